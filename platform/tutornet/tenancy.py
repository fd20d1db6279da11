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


def forget_hosts() -> None:
    """Drop cached lookups: called when organisations or domains change."""
    with _lock:
        _cache.clear()
