"""The WebSocket side of tenant routing (ARCHITECTURE sections 3 and 4).

A WebSocket connection resolves its organisation from the Host header with the
same cached lookup as an HTTP request (``tenancy.organisation_for_host``).  An
unknown host, or a page of another site opening the socket (a cross-site
WebSocket: the browser sends the session cookie with it), is refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .tenancy import hostname_of, organisation_for_host

# Close codes the page's script understands as "refused, do not reconnect"
# (static/js/tutornet.js): 4400-4499, like HTTP's 4xx.
CLOSE_UNKNOWN_HOST = 4404
CLOSE_FOREIGN_ORIGIN = 4400
CLOSE_ANONYMOUS = 4401
CLOSE_NOT_A_MEMBER = 4403


def header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


async def refuse(receive: Any, send: Any, code: int) -> None:
    """Accept, then close with ``code``.

    A close sent before the accept is turned by the server into a plain HTTP
    403 (the ASGI spec), so the browser sees only code 1006 and its script
    would reconnect forever.  Accepting first lets the client see why.
    """
    message = await receive()
    if message["type"] != "websocket.connect":  # the client went away already
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code})


def same_site(scope: dict[str, Any], host: str) -> bool:
    """A browser always sends Origin; it must be the page's own host.  Other
    clients (no Origin) authenticate with the session cookie alone."""
    origin = header(scope, b"origin")
    if not origin:
        return True
    return hostname_of(urlsplit(origin).netloc) == hostname_of(host)


class TenantWebsocketMiddleware:
    """Put ``scope["tenant"]`` from the Host header; refuse unknown hosts and foreign origins."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        host = header(scope, b"host")
        # database_sync_to_async closes stale connections around the lookup.
        organisation = await database_sync_to_async(organisation_for_host)(host) if host else None
        if organisation is None:
            return await refuse(receive, send, CLOSE_UNKNOWN_HOST)
        if not same_site(scope, host):
            return await refuse(receive, send, CLOSE_FOREIGN_ORIGIN)
        return await self.inner({**scope, "tenant": organisation}, receive, send)


class GroupConsumer(AsyncJsonWebsocketConsumer):
    """A page's socket that listens to one channel-layer group (set ``group`` in ``connect``)."""

    group: str | None = None

    async def refuse(self, code: int) -> None:
        # Closing before the accept reaches a browser as an HTTP 403 with close
        # code 1006, and the page would keep reconnecting: accept, then close.
        await self.accept()
        await self.close(code=code)

    async def listen(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
