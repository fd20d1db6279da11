from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.db import close_old_connections

from .tenancy import organisation_for_host


def _host(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1")
    return ""


@database_sync_to_async
def _organisation(host: str) -> Any:
    close_old_connections()
    return organisation_for_host(host)


class TenantWebsocketMiddleware:
    """Put ``scope["tenant"]`` from the Host header; close the socket for an unknown host."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        organisation = await _organisation(_host(scope))
        if organisation is None:
            await send({"type": "websocket.close", "code": 4404})
            return None
        return await self.inner({**scope, "tenant": organisation}, receive, send)
