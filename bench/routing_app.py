"""The ASGI app of the routing benchmark: one process, two entry points.

* ``/...``         the project's full middleware stack (``CachedTenantMiddleware``
                   resolves the organisation from the Host header);
* ``/bypass/...``  the same stack and the same page, except that the first
                   middleware sets a fixed organisation without looking at the host;
* ``/bench/stats`` statement counters of this process (JSON), not through Django.

Run by ``bench/tenant_routing.py``; ``BENCH_SCHEMA`` names the fixed organisation.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")
full_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import set_urlconf  # noqa: E402

from bench.common import STATEMENTS, count_statements  # noqa: E402

TENANT_MIDDLEWARE = "tutornet.middleware.CachedTenantMiddleware"
count_statements()


class FixedTenantMiddleware:
    """What ``TenantMainMiddleware`` does once the organisation is known, minus the host lookup."""

    tenant: Any = None

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if FixedTenantMiddleware.tenant is None:
            from tenants.models import Organisation

            FixedTenantMiddleware.tenant = Organisation.objects.get(schema_name=os.environ["BENCH_SCHEMA"])
        connection.set_schema_to_public()
        request.tenant = FixedTenantMiddleware.tenant  # type: ignore[attr-defined]
        connection.set_tenant(request.tenant)  # type: ignore[attr-defined]
        request.urlconf = settings.ROOT_URLCONF  # type: ignore[attr-defined]
        set_urlconf(settings.ROOT_URLCONF)
        return self.get_response(request)


class BypassHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        stack = [
            "bench.routing_app.FixedTenantMiddleware" if name == TENANT_MIDDLEWARE else name
            for name in settings.MIDDLEWARE
        ]
        assert stack != list(settings.MIDDLEWARE), "the tenant middleware is not in MIDDLEWARE"
        with override_settings(MIDDLEWARE=stack):
            super().load_middleware(is_async)


bypass_app = BypassHandler()
requests_seen = {"full": 0, "bypass": 0}


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return await full_app(scope, receive, send)
    path = scope["path"]
    if path == "/bench/stats":
        body = json.dumps({**STATEMENTS, **{f"requests_{k}": v for k, v in requests_seen.items()}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return
    if path.startswith("/bypass/"):
        requests_seen["bypass"] += 1
        stripped = path[len("/bypass") :]
        scope = {**scope, "path": stripped, "raw_path": stripped.encode()}
        return await bypass_app(scope, receive, send)
    requests_seen["full"] += 1
    return await full_app(scope, receive, send)
