"""An experiment for ``bench/diagnostics_september.py --app onehop``: Django's ASGI handler with
the middleware chain run synchronously, in ONE hop to a thread per request.

Under ``tutornet.asgi`` (Django's ``ASGIHandler``) the chain is loaded in async mode: the
outermost ``PoolAdmissionMiddleware`` is async, the project's middleware is sync, the handler
at the bottom (``_get_response_async``) is async again and calls the sync view through
``sync_to_async``.  So every request goes event loop -> thread (the sync middleware) -> event
loop (``async_to_sync``: AxesMiddleware's async path, ``_get_response_async``) -> thread again
(the view).  Here the chain is loaded in sync mode, without the async-only admission
middleware, and each request makes one ``sync_to_async(thread_sensitive=True)`` hop into its
own thread, where middleware and view run; the admission gate (at most ``DB_POOL_MAX``
requests at work, the others waiting on the event loop) is kept, in front of that hop.

The same middleware in the same order, the same views and rules; what changes is only how
the event loop reaches them.  Not used by the project: measured here (bench/README.md,
§ «September morning») before anyone moves ``tutornet/asgi.py`` to it.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutornet.settings")
os.environ.setdefault("TUTORNET_ASGI", "1")  # pooled connections, as tutornet.asgi
django.setup(set_prefix=False)

from asgiref.sync import sync_to_async  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402

ADMISSION = "tutornet.admission.PoolAdmissionMiddleware"


class OneHopASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = [m for m in middleware if m != ADMISSION]
        try:
            self.load_middleware(is_async=False)
        finally:
            settings.MIDDLEWARE = middleware
        self.size = int(getattr(settings, "DB_POOL_MAX", 0) or 0)
        self.gate: asyncio.Semaphore | None = None

    async def get_response_async(self, request: Any) -> Any:
        run = sync_to_async(self.get_response, thread_sensitive=True)
        if self.size <= 0:
            return await run(request)
        if self.gate is None:  # made on the server's event loop, on first use
            self.gate = asyncio.Semaphore(self.size)
        async with self.gate:
            return await run(request)


application = OneHopASGIHandler()
