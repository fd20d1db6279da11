"""Admission to the database: no more requests at work at once than the pool has connections.

Under the ASGI server every request runs its (synchronous) middleware and view
in a thread of its own, and each takes a connection from the pool
(``DB_POOL_MAX``) on its first query.  A rush of 300 requests then meant 300
threads waiting for 10 connections, and every request that waited longer than
the pool's timeout (10 s) failed with a 500 although nothing was wrong, only
slow (bench/tutorial_rush.py: 181 of 300 on a loaded machine).

This middleware, the outermost one, lets at most ``DB_POOL_MAX`` requests into
the synchronous part at once; the others wait, without a thread and without a
timeout, on the server's event loop, and are let in in the order they came.  A
request in the synchronous part always finds a connection.  It does nothing
where there is no pool: the settings install it only when ``DB_POOL_MAX`` is set
(the ASGI server), so tests and WSGI do not pass through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from asgiref.sync import markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class PoolAdmissionMiddleware:
    """Async only: Django then runs the rest of the chain (synchronous) in a thread per request,
    behind the gate.  Installed by the settings only where connections are pooled."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]]) -> None:
        self.get_response = get_response
        self.size = int(getattr(settings, "DB_POOL_MAX", 0) or 0)
        self.gate: asyncio.Semaphore | None = None
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.size <= 0:
            return await self.get_response(request)
        if self.gate is None:  # made on the server's event loop, on first use
            self.gate = asyncio.Semaphore(self.size)
        async with self.gate:
            return await self.get_response(request)
