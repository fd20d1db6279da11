"""Host -> organisation resolution, shared by HTTP and WebSocket requests.

The lookup is cached per process for ``TENANT_CACHE_SECONDS`` so that routing a
request to a known organisation costs no query (ARCHITECTURE section 7).

The caches are bounded (cachetools' TTLCache): the Host header is chosen by the
client, so every made-up host would otherwise add an entry for good.  Unknown
hosts have a cache of their own, so a flood of them cannot push the real
organisations out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cachetools import TTLCache
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import remove_www, schema_context

from tenants.models import Domain, Organisation

# Far above any district's number of organisations and hosts.
KNOWN_HOSTS_MAX = 10_000
UNKNOWN_HOSTS_MAX = 1_000

_lock = threading.Lock()
_known: TTLCache[str, Organisation] = TTLCache(maxsize=KNOWN_HOSTS_MAX, ttl=settings.TENANT_CACHE_SECONDS)
_unknown: TTLCache[str, bool] = TTLCache(maxsize=UNKNOWN_HOSTS_MAX, ttl=settings.TENANT_CACHE_SECONDS)
_primary: TTLCache[int, str] = TTLCache(maxsize=KNOWN_HOSTS_MAX, ttl=settings.TENANT_CACHE_SECONDS)


def hostname_of(host: str) -> str:
    return remove_www(host.split(":")[0].lower())


def organisation_for_host(host: str) -> Organisation | None:
    """The active organisation served on ``host`` (port ignored), or None."""
    hostname = hostname_of(host)
    with _lock:  # TTLCache is not thread-safe (ASGI runs requests in threads)
        organisation = _known.get(hostname)
        if organisation is not None or hostname in _unknown:
            return organisation
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    found = domain.tenant if domain is not None and domain.tenant.is_active else None
    with _lock:
        if found is None:
            _unknown[hostname] = True
        else:
            _known[hostname] = found
    return found


def primary_host_of(organisation_id: int) -> str | None:
    """The organisation's primary host (for links in e-mails), cached like the host lookup."""
    with _lock:
        host = _primary.get(organisation_id)
    if host is not None:
        return host
    primary = Domain.objects.filter(tenant_id=organisation_id, is_primary=True)
    host = primary.values_list("domain", flat=True).first()
    if host is not None:
        with _lock:
            _primary[organisation_id] = host
    return host


def cached_hosts() -> tuple[int, int]:
    """How many known and unknown hosts this process holds (for tests and health)."""
    with _lock:
        return len(_known), len(_unknown)


def forget_hosts() -> None:
    """Drop cached lookups: called when organisations or domains change."""
    with _lock:
        _known.clear()
        _unknown.clear()
        _primary.clear()


def on_commit_in_this_schema(func: Callable[[], object]) -> None:
    """``transaction.on_commit(func)``, with ``func`` run in the schema that is current NOW.

    A commit can come after the caller has left the organisation's schema (a command, such as
    the demo's seeding, that enters several schemas inside one transaction); a Celery task sent
    from the wrong schema then runs there (tenant-schemas-celery sends the current one)."""
    schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' backend

    def run() -> None:
        with schema_context(schema):
            func()

    transaction.on_commit(run)
