"""The pool's admission gate (tutornet/admission.py): no more requests at work than pooled connections.

Found by bench/tutorial_rush.py: 300 requests at once waited for 10 connections
in 300 threads, and those that waited longer than the pool's timeout failed.
"""

from __future__ import annotations

import asyncio

from django.http import HttpRequest, HttpResponse
from django.test import override_settings

from tests.tutornet.test_settings import _settings_in_a_clean_process
from tutornet.admission import PoolAdmissionMiddleware


def _run(requests: int, pool: int) -> tuple[int, list[int]]:
    """``requests`` at once through the gate; (most at work at one time, the order they were let in)."""
    at_work, most, order = [0], [0], []

    async def view(request: HttpRequest) -> HttpResponse:
        order.append(int(request.path.strip("/")))
        at_work[0] += 1
        most[0] = max(most[0], at_work[0])
        await asyncio.sleep(0.01)
        at_work[0] -= 1
        return HttpResponse("ok")

    with override_settings(DB_POOL_MAX=pool):
        gate = PoolAdmissionMiddleware(view)

    async def main() -> list[HttpResponse]:
        def request(n: int) -> HttpRequest:
            made = HttpRequest()
            made.path = f"/{n}/"
            return made

        return await asyncio.gather(*(gate(request(n)) for n in range(requests)))

    responses = asyncio.run(main())
    assert [r.status_code for r in responses] == [200] * requests
    return most[0], order


def test_at_most_the_pools_size_are_at_work_and_the_rest_wait_their_turn() -> None:
    most, order = _run(requests=30, pool=3)
    assert most == 3
    assert order == list(range(30))  # let in in the order they came


def test_without_a_pool_nothing_waits() -> None:
    most, _order = _run(requests=12, pool=0)
    assert most == 12


def test_the_gate_is_installed_first_exactly_where_connections_are_pooled() -> None:
    pooled = _settings_in_a_clean_process("settings.MIDDLEWARE[:2]", TUTORNET_ASGI="1")
    assert (
        pooled
        == "['tutornet.admission.PoolAdmissionMiddleware', 'tutornet.middleware.CachedTenantMiddleware']"
    )
    assert "PoolAdmissionMiddleware" not in _settings_in_a_clean_process("settings.MIDDLEWARE")
