"""Benchmark 1: what routing a request to its organisation costs.

Serves one trivial page (``/bench/ping``: one query in the organisation's own
schema) from ONE uvicorn process in two ways: through the project's middleware
stack (``CachedTenantMiddleware`` resolves the organisation from the Host
header) and through the same stack with the organisation set without a host
lookup (``/bypass/bench/ping``).  Both are loaded in alternating runs with the
same number of keep-alive connections by a small asyncio client on loopback.

Also counts, for a cached organisation, the queries and ``SET search_path``
statements per request: in this process through Django's test client, and in
the server over the whole load.

Run from the repository root:  .venv/bin/python bench/tenant_routing.py
Targets: full/bypass throughput >= 0.9; 0 queries to resolve a cached
organisation; at most one ``SET search_path`` per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_routing_{os.getpid()}"
HOST = "school1.localhost"


async def _one_connection(port: int, path: str, count: list[int], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nUser-Agent: bench\r\n\r\n".encode()
    try:
        while count[0] > 0:
            count[0] -= 1
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            if status != b"200":
                errors.append(status.decode())
    finally:
        writer.close()


async def load(port: int, path: str, requests: int, concurrency: int) -> tuple[float, list[str]]:
    """Send ``requests`` GETs over ``concurrency`` keep-alive connections; requests/s."""
    count, errors = [requests], []
    started = time.perf_counter()
    await asyncio.gather(*(_one_connection(port, path, count, errors) for _ in range(concurrency)))
    return requests / (time.perf_counter() - started), errors


def server_stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/stats", timeout=5) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


def in_process_counts() -> list[tuple[str, float, float, float]]:
    """Queries, host lookups and SET search_path per request, via Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tutornet.tenancy import forget_hosts

    client = Client(HTTP_HOST=HOST)
    rows = []
    for label, n, cached in (("cold (cache emptied)", 1, False), ("cached organisation", 100, True)):
        if cached:
            assert client.get("/bench/ping").status_code == 200  # warm the host cache
        else:
            forget_hosts()
        before = dict(common.STATEMENTS)
        with CaptureQueriesContext(connection) as captured:
            for _ in range(n):
                assert client.get("/bench/ping").status_code == 200
        delta = {k: common.STATEMENTS[k] - before[k] for k in before}
        rows.append((label, delta["domain_lookup"] / n, delta["set_search_path"] / n, len(captured) / n))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000, help="requests per run (default 3000)")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections (default 16)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database")
    args = parser.parse_args()

    common.database_create(DB)
    processes = []
    try:
        env = common.django_setup(DB, "bench.bench_settings", BENCH_SCHEMA="school1")
        common.flush_redis()
        common.migrate_shared()
        from tenants.services import organisation_create

        centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
        organisation_create(
            kind="school", name="Школа № 1", short_name="Школа 1", subdomain="school1", centre=centre
        )

        common.count_statements()
        counts = in_process_counts()

        server, port = common.start_uvicorn("bench.routing_app:application", env)
        processes.append(server)
        paths = {"full": "/bench/ping", "bypass": "/bypass/bench/ping"}
        for path in paths.values():  # warm-up: connections, caches, code paths
            asyncio.run(load(port, path, 300, args.concurrency))
        results: dict[str, list[float]] = {"full": [], "bypass": []}
        statements: dict[str, dict[str, int]] = {
            name: {"requests": 0, "set_search_path": 0, "domain_lookup": 0, "total": 0} for name in paths
        }
        for round_no in range(args.rounds):
            order = ["full", "bypass"] if round_no % 2 == 0 else ["bypass", "full"]
            for name in order:
                before = server_stats(port)
                rps, errors = asyncio.run(load(port, paths[name], args.requests, args.concurrency))
                after = server_stats(port)
                if errors:
                    raise SystemExit(f"{name}: {len(errors)} non-200 responses, e.g. {errors[:3]}")
                results[name].append(rps)
                statements[name]["requests"] += args.requests
                for key in ("set_search_path", "domain_lookup", "total"):
                    statements[name][key] += after[key] - before[key]
    finally:
        common.stop(processes)
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            common.database_drop(DB)

    print(f"Tenant routing overhead — {common.machine()}")
    print(
        f"one uvicorn process, {args.concurrency} keep-alive connections, {args.rounds} alternating rounds "
        f"of {args.requests} requests each\n"
    )
    rows = []
    for name in ("full", "bypass"):
        s = statements[name]
        rows.append(
            (
                "tenant resolved from host" if name == "full" else "resolution bypassed",
                " / ".join(f"{r:.0f}" for r in results[name]),
                common.mean(results[name]),
                s["domain_lookup"] / s["requests"],
                s["set_search_path"] / s["requests"],
                s["total"] / s["requests"],
            )
        )
    print(
        common.table(
            "Throughput (server-side statement counts over the whole load)",
            rows,
            [
                "entry point",
                "req/s per run",
                "mean req/s",
                "host lookups/req",
                "SET search_path/req",
                "statements/req",
            ],
        )
    )
    ratio = common.mean(results["full"]) / common.mean(results["bypass"])
    print(f"\nratio full / bypass = {ratio:.3f}   (target >= 0.9: {'met' if ratio >= 0.9 else 'NOT met'})\n")
    print(
        common.table(
            "In-process, Django test client (full stack)",
            counts,
            ["request", "host lookups/req", "SET search_path/req", "queries/req (Django log)"],
        )
    )
    cached = counts[-1]
    ok = ratio >= 0.9 and cached[1] == 0 and cached[2] <= 1
    print(
        f"\ncached organisation: {cached[1]:.0f} lookup queries, {cached[2]:.2f} SET search_path per request"
        f"   (targets 0 and <= 1: {'met' if cached[1] == 0 and cached[2] <= 1 else 'NOT met'})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
