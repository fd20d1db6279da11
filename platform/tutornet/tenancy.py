"""Host -> organisation resolution, shared by HTTP and WebSocket requests.

The lookup is cached per process for ``TENANT_CACHE_SECONDS`` so that routing a
request to a known organisation costs no query (ARCHITECTURE section 7).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django_tenants.utils import remove_www

from tenants.models import Domain, Organisation

_cache: dict[str, tuple[float, Organisation | None]] = {}
_lock = threading.Lock()


def hostname_of(host: str) -> str:
    return remove_www(host.split(":")[0].lower())


def organisation_for_host(host: str) -> Organisation | None:
    """The active organisation served on ``host`` (port ignored), or None."""
    hostname = hostname_of(host)
    now = time.monotonic()
    hit = _cache.get(hostname)
    if hit is not None and hit[0] > now:
        return hit[1]
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    organisation = domain.tenant if domain is not None and domain.tenant.is_active else None
    with _lock:
        _cache[hostname] = (now + settings.TENANT_CACHE_SECONDS, organisation)
    return organisation


_primary: dict[int, tuple[float, str]] = {}


def primary_host_of(organisation_id: int) -> str | None:
    """The organisation's primary host (for links in e-mails), cached like the host lookup."""
    now = time.monotonic()
    hit = _primary.get(organisation_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    primary = Domain.objects.filter(tenant_id=organisation_id, is_primary=True)
    host = primary.values_list("domain", flat=True).first()
    if host is not None:
        with _lock:
            _primary[organisation_id] = (now + settings.TENANT_CACHE_SECONDS, host)
    return host


def forget_hosts() -> None:
    """Drop cached lookups: called when organisations or domains change."""
    with _lock:
        _cache.clear()
        _primary.clear()
