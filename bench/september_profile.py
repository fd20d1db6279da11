"""``bench/diagnostics_september.py --profile N``: one save request timed and profiled in this
process (Django's test client, the whole middleware stack), next to the trivial endpoint."""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench import common


def profile(
    world: Any,
    requests: int,
    top: int,
    *,
    headers_for: Callable[..., dict[str, str]],
    response_for: Callable[[str, int], dict[str, Any]],
    hosts: tuple[str, str],
    trivial: str,
) -> None:
    """One save request end to end in this process (Django's test client: the whole middleware
    stack, DRF, the service), by token and by session with CSRF enforced, next to the trivial
    endpoint: median time, statements per request (every one, ``SET search_path`` too) and
    cProfile's most expensive functions."""
    from django.test import Client

    CENTRE_HOST, SCHOOL_HOST = hosts  # noqa: N806
    common.count_statements()
    client = Client(enforce_csrf_checks=True)
    routes: dict[str, Any] = {}
    for auth in ("token", "session"):
        who = 0 if auth == "token" else 2  # both of school 1
        headers = {k: v for k, v in headers_for(world, who, CENTRE_HOST, auth).items() if k != "Host"}
        started = client.post(
            f"/api/diagnostics/campaigns/{world.campaign}/start/", HTTP_HOST=CENTRE_HOST, headers=headers
        )
        assert started.status_code == 201, started.content
        attempt = started.json()["id"]
        routes[f"save, {auth}"] = (auth, who, attempt)
        routes[f"trivial, {auth}"] = (auth, who, None)

    def call(name: str, turn: int) -> int:
        auth, who, attempt = routes[name]
        host = CENTRE_HOST if attempt else SCHOOL_HOST
        headers = {k: v for k, v in headers_for(world, who, host, auth).items() if k != "Host"}
        if attempt is None:
            response = client.get(trivial, HTTP_HOST=host, headers=headers)
        else:
            version, kind = world.versions[turn % len(world.versions)]
            response = client.put(
                f"/api/diagnostics/attempts/{attempt}/answers/{version}/",
                data=json.dumps({"response": response_for(kind, turn)}),
                content_type="application/json",
                HTTP_HOST=host,
                headers=headers,
            )
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        return response.status_code

    times: dict[str, list[float]] = {name: [] for name in routes}
    statements: dict[str, list[int]] = {name: [] for name in routes}
    for name in routes:  # warm-up: caches, first connection
        for turn in range(5):
            call(name, turn)
    for turn in range(requests):  # alternating, so that every route meets the same load
        for name in routes:
            before = common.STATEMENTS["total"]
            t0 = time.perf_counter()
            call(name, turn)
            times[name].append((time.perf_counter() - t0) * 1000)
            statements[name].append(common.STATEMENTS["total"] - before)
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        common.table(
            f"One request in-process, {requests} each, alternating",
            [
                [
                    name,
                    f"{statistics.median(times[name]):.2f}",
                    f"{min(times[name]):.2f}",
                    f"{statistics.median(statements[name]):g}",
                ]
                for name in routes
            ],
            ["request", "median ms", "min ms", "statements"],
        )
    )
    for name in routes:
        profiler = cProfile.Profile()
        profiler.enable()
        for turn in range(requests):
            call(name, turn)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
        print(f"--- cProfile: {name}, {requests} requests, by cumulative time ---")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])
