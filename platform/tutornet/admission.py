"""Admission to the database: no more requests at work at once than the pool has connections.

Under the ASGI server every request runs its (synchronous) middleware and view
in a thread, and each takes a connection from the pool (``DB_POOL_MAX``) on its
first query.  A rush of 300 requests once meant 300 threads waiting for 10
connections, and every request that waited longer than the pool's timeout
(10 s) failed with a 500 although nothing was wrong, only slow
(bench/tutorial_rush.py: 181 of 300 on a loaded machine).

The gate lets at most ``DB_POOL_MAX`` requests into the synchronous part at
once; the others wait, without a thread and without a timeout, on the server's
event loop, and are let in in the order they came.  A request in the synchronous
part always finds a connection.  The ASGI handler (``tutornet/asgi.py``) holds
one, sized by the settings: where nothing is pooled (tests, WSGI, ``DB_POOL_MAX``
0) it lets everyone in.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class AdmissionGate:
    """``async with gate:`` around the work that needs a pooled connection."""

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._semaphore: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        if self.size <= 0:
            return
        if self._semaphore is None:  # made on the server's event loop, on first use
            self._semaphore = asyncio.Semaphore(self.size)
        await self._semaphore.acquire()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.size > 0 and self._semaphore is not None:
            self._semaphore.release()
