"""A lean HTTP/1.1 client for load generators: one kept-alive connection per simulated browser.

``httpx.AsyncClient`` costs the generator ≈ 1–2 ms of CPU per request (its pool, its
request and response models, its header handling); with 500 of them in one process on
the same 2 cores as the server, the generator took a large share of the machine it
measures.  This client writes the request bytes itself and reads the status line, the
headers and the body (``Content-Length`` or chunked) with asyncio's streams: what a
browser's connection does, without the rest.

Like a browser it keeps its connection open between requests and drops it when it has been
idle longer than ``idle`` seconds (default 4 s, under uvicorn's keep-alive timeout of 5 s, so
that a request is never written into a connection the server is closing), and opens a new
one for the next request.  A request whose connection breaks before any byte of the answer
arrived on a REUSED connection is sent once more on a new connection, as browsers do
(``retried`` counts them: none expected with the idle rule).
"""

from __future__ import annotations

import asyncio
import contextlib
import time


class HTTPError(Exception):
    """The connection broke or the answer could not be read."""


class Connection:
    def __init__(self, port: int, host: str = "127.0.0.1", idle: float = 4.0) -> None:
        self.port, self.host, self.idle = port, host, idle
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0
        self.opened = 0  # connections opened, for the report
        self.retried = 0

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        if body or method in ("POST", "PUT", "PATCH"):
            head += f"Content-Length: {len(body)}\r\n"
        raw = head.encode("latin-1") + b"\r\n" + body
        reused = self.writer is not None and time.monotonic() - self.last_used < self.idle
        if not reused:
            await self.close()
            await self._open()
        try:
            return await self._send(raw)
        except (ConnectionError, asyncio.IncompleteReadError, HTTPError) as error:
            await self.close()
            if not reused or not getattr(error, "before_answer", False):
                raise HTTPError(f"{type(error).__name__}: {error}") from error
            self.retried += 1
            await self._open()
            return await self._send(raw)

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.opened += 1

    async def _send(self, raw: bytes) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        try:
            await self.writer.drain()
            status_line = await self.reader.readline()
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            error.before_answer = True  # type: ignore[attr-defined]
            raise
        if not status_line:
            error = HTTPError("connection closed before the answer")
            error.before_answer = True  # type: ignore[attr-defined]
            raise error
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            body = b"".join(parts)
        else:
            body = await self.reader.readexactly(length or 0)
        self.last_used = time.monotonic()
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None
