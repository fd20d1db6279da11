"""ASGI entry point: HTTP through Django in one hop to a thread, WebSockets through Channels.

HTTP.  Django's own ``ASGIHandler`` loads the middleware chain in async mode; with the
project's synchronous middleware and views every request then went event loop -> thread
(``request_started``) -> loop -> thread (the middleware) -> loop (``async_to_sync`` inside the
chain) -> thread (the view) -> loop -> thread (``response.close``), each hop a handover between
threads under the GIL.  ``OneHopHandler`` loads the same middleware in the same order in sync
mode and runs, in ONE call on a worker thread: ``request_started``, the whole chain and view,
and, for a response already in memory, ``response.close()`` (``request_finished``: the
database connection goes back to the pool).  Only a streaming response is closed after it is
sent, as Django does.  Reading the body and sending the answer stay on the event loop.
Measured in bench/README.md, § «September morning»: −14–17 % CPU per request.

Admission (``tutornet/admission.py``): where connections are pooled (``DB_POOL_MAX``), at most
that many requests are in the thread at once; the others wait on the event loop, in the
order they came, without a thread and without the pool's timeout.  The worker threads are
the handler's own, as many as the gate lets in, reused from request to request as a threaded
WSGI server reuses its threads (each thread its own ``django.db.connection``).

WebSocket connections go through Channels' router exactly as before: they resolve the
organisation from the Host header like HTTP requests (same cached lookup) and are refused
for unknown hosts.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutornet.settings")
# This process serves requests: its database connections come from a pool (settings, DB_POOL_MAX).
os.environ.setdefault("TUTORNET_ASGI", "1")
django.setup(set_prefix=False)

from asgiref.sync import sync_to_async  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core import signals  # noqa: E402
from django.core.exceptions import RequestAborted  # noqa: E402
from django.core.handlers.asgi import ASGIHandler, get_script_prefix  # noqa: E402
from django.http import HttpResponseBase  # noqa: E402
from django.urls import set_script_prefix  # noqa: E402

from consultations.routing import websocket_urlpatterns as consultations_websockets  # noqa: E402
from notifications.routing import websocket_urlpatterns as notifications_websockets  # noqa: E402
from tutornet.admission import AdmissionGate  # noqa: E402
from tutornet.channels_tenancy import TenantWebsocketMiddleware  # noqa: E402

# Threads when nothing is pooled (no gate): enough for a development server.
UNGATED_THREADS = 32


class OneHopHandler(ASGIHandler):
    """Django's ASGI handler with the middleware chain run synchronously, in one hop per request."""

    def __init__(self) -> None:
        super(ASGIHandler, self).__init__()  # BaseHandler: not ASGIHandler's async chain
        self.load_middleware(is_async=False)
        self.gate = AdmissionGate(int(getattr(settings, "DB_POOL_MAX", 0) or 0))
        self.threads = ThreadPoolExecutor(self.gate.size or UNGATED_THREADS, thread_name_prefix="http")

    def respond(self, request: Any) -> HttpResponseBase:
        """On a worker thread: everything Django does for a request that touches the database."""
        signals.request_started.send(sender=self.__class__, scope=request.scope)
        response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]  # as Django's handler
        if not response.streaming:
            response.close()  # request_finished: the connection back to the pool, before the send
        return response

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        request, error = self.create_request(scope, body)
        if request is None:
            body.close()
            assert error is not None
            await self.send_response(error, send)
            return
        run = sync_to_async(self.respond, thread_sensitive=False, executor=self.threads)
        async with self.gate:
            response = await run(request)
        try:
            await self.send_response(response, send)
        finally:
            if response.streaming:
                await sync_to_async(response.close, thread_sensitive=False, executor=self.threads)()
            body.close()


websocket_urlpatterns = notifications_websockets + consultations_websockets

application = ProtocolTypeRouter(
    {
        "http": OneHopHandler(),
        "websocket": TenantWebsocketMiddleware(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
