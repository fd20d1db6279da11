"""The pool's admission gate (tutornet/admission.py): no more requests at work than pooled connections.

Found by bench/tutorial_rush.py: 300 requests at once waited for 10 connections
in 300 threads, and those that waited longer than the pool's timeout failed.
The ASGI handler (tutornet/asgi.py) holds the gate in front of its one hop to a thread.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time

from django.http import HttpResponse

from tests.tutornet.test_settings import ROOT
from tutornet.admission import AdmissionGate


def _run(requests: int, pool: int) -> tuple[int, list[int]]:
    """``requests`` at once through the gate; (most at work at one time, the order they were let in)."""
    at_work, most, order = [0], [0], []
    gate = AdmissionGate(pool)

    async def request(n: int) -> int:
        async with gate:
            order.append(n)
            at_work[0] += 1
            most[0] = max(most[0], at_work[0])
            await asyncio.sleep(0.01)
            at_work[0] -= 1
        return 200

    async def main() -> list[int]:
        return await asyncio.gather(*(request(n) for n in range(requests)))

    assert asyncio.run(main()) == [200] * requests
    return most[0], order


def test_at_most_the_pools_size_are_at_work_and_the_rest_wait_their_turn() -> None:
    most, order = _run(requests=30, pool=3)
    assert most == 3
    assert order == list(range(30))  # let in in the order they came


def test_without_a_pool_nothing_waits() -> None:
    most, _order = _run(requests=12, pool=0)
    assert most == 12


def test_a_request_that_fails_gives_its_place_back() -> None:
    gate = AdmissionGate(1)

    async def main() -> str:
        try:
            async with gate:
                raise ValueError("the view failed")
        except ValueError:
            pass
        async with gate:  # would wait for ever if the place were kept
            return "next one in"

    assert asyncio.run(asyncio.wait_for(main(), 5)) == "next one in"


def test_the_http_handler_lets_in_no_more_requests_than_the_pool_has() -> None:
    """The real handler of tutornet.asgi, its gate and threads: 12 slow requests, a pool of 3."""
    from tutornet.asgi import OneHopHandler

    handler = OneHopHandler()
    handler.gate = AdmissionGate(3)
    at_work, most, threads = [0], [0], set()
    lock = threading.Lock()

    def respond(request: object) -> HttpResponse:
        with lock:
            at_work[0] += 1
            most[0] = max(most[0], at_work[0])
            threads.add(threading.get_ident())
        time.sleep(0.02)
        with lock:
            at_work[0] -= 1
        return HttpResponse("ok")

    handler.respond = respond  # type: ignore[method-assign]
    sent: list[int] = []

    async def one(n: int) -> None:
        messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive() -> dict[str, object]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                sent.append(int(message["status"]))  # type: ignore[call-overload]

        scope = {"type": "http", "method": "GET", "path": f"/{n}/", "headers": [], "query_string": b""}
        await handler(scope, receive, send)

    async def main() -> None:
        await asyncio.gather(*(one(n) for n in range(12)))

    asyncio.run(main())
    assert sent == [200] * 12
    assert most[0] == 3
    assert threads and threading.get_ident() not in threads  # the work ran off the event loop


def test_the_server_process_gates_by_the_pools_size() -> None:
    """Importing the ASGI entry point marks the server process: pooled, and gated by the pool's size."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUTORNET_", "DB_POOL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tutornet.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    )
    code = (
        "import tutornet.asgi as a; from django.conf import settings; "
        "print(a.application.application_mapping['http'].gate.size, settings.DB_POOL_MAX, "
        "'PoolAdmissionMiddleware' in str(settings.MIDDLEWARE))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "10 10 False"
