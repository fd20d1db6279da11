"""Helpers shared by the benchmarks: a throwaway database, Django set-up, the
live processes (uvicorn, Celery workers), statement counting and tables.

Every benchmark creates its own PostgreSQL database (``bench_*``), uses its own
Redis database (6 unless ``BENCH_REDIS_URL`` says otherwise), talks only to
loopback and drops its database when it is done.
"""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Server (no database name) the bench databases are created on.
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")


def database_url(name: str) -> str:
    return f"{PG_SERVER.rstrip('/')}/{name}"


def _admin_connection() -> Any:
    import psycopg

    return psycopg.connect(database_url("postgres"), autocommit=True)


def database_create(name: str) -> None:
    """Drop ``name`` if a previous run left it, and create it empty."""
    assert name.startswith("bench_"), "benchmarks only touch bench_* databases"
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    assert name.startswith("bench_")
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BENCH_SECRET_KEY = "bench-only-" + secrets.token_urlsafe(48)


def bench_env(db_name: str, **extra: str) -> dict[str, str]:
    """The environment for this process and every process a benchmark starts."""
    return {
        # The settings refuse the built-in key with DEBUG off: the benchmarks bring their own.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or BENCH_SECRET_KEY,
        **os.environ,
        "DATABASE_URL": database_url(db_name),
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tutornet.settings"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        "LOG_LEVEL": "ERROR",
        **extra,
    }


def django_setup(db_name: str, settings_module: str = "tutornet.settings", **extra: str) -> dict[str, str]:
    """Point this process at the bench database and set Django up; returns the env for children."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    env = bench_env(db_name, **extra)
    os.environ.update(env)
    for path in (str(ROOT), str(ROOT / "platform")):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()
    return env


def migrate_shared() -> None:
    """Shared (public) schema and the public tenant: what a fresh deployment starts with."""
    from django.core.management import call_command

    call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
    from tenants.bootstrap import public_tenant_ensure

    public_tenant_ensure()


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def start(args: Sequence[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, **kwargs)


def start_uvicorn(
    app: str,
    env: dict[str, str],
    *,
    workers: int = 1,
    port: int | None = None,
    keep_alive: float | None = None,
) -> tuple[subprocess.Popen, int]:
    """An ASGI server on ``port`` (by default a free loopback port), once it accepts
    connections: (process, port).  ``keep_alive``: uvicorn's ``--timeout-keep-alive``
    (seconds an idle connection is kept; uvicorn's default 5)."""
    port = port or free_port()
    args = ["-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        args += ["--workers", str(workers)]
    if keep_alive is not None:
        args += ["--timeout-keep-alive", f"{keep_alive:g}"]
    process = start([*args, "--log-level", "warning", "--no-access-log"], env)
    wait_port(port)
    return process, port


def schools_without_schemas(centre: Any, count: int) -> list[Any]:
    """``count`` schools of ``centre`` as public rows only («Школа № 1» …): for benchmarks that read
    schools' ids and names, never their schemas (creating a schema costs seconds under load,
    ``bench/school_ready.py``)."""
    from tenants.models import Organisation

    return Organisation.objects.bulk_create(
        [
            Organisation(
                kind=Organisation.Kind.SCHOOL,
                name=f"Школа № {n}",
                short_name=f"Школа {n:02d}",
                centre=centre,
                schema_name=f"bench_school{n}",
            )
            for n in range(1, count + 1)
        ]
    )


def stop(processes: Iterable[subprocess.Popen]) -> None:
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


# --- counting statements at the driver level ----------------------------------------------
# django-tenants issues `SET search_path` on the raw psycopg cursor, before Django
# wraps it, so Django's query log does not always show it.  Counting in the cursor
# class psycopg uses catches every statement, whatever runs it.

STATEMENTS: dict[str, int] = {"total": 0, "set_search_path": 0, "domain_lookup": 0}


def _counting_cursor(base: type) -> type:
    class CountingCursor(base):  # type: ignore[misc, valid-type]
        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            text = (
                query if isinstance(query, str) else str(getattr(query, "as_string", lambda _c: query)(None))
            )
            STATEMENTS["total"] += 1
            lowered = text.lower()
            if lowered.startswith("set search_path"):
                STATEMENTS["set_search_path"] += 1
            if "tenants_domain" in lowered:
                STATEMENTS["domain_lookup"] += 1
            return super().execute(query, *args, **kwargs)

    CountingCursor.__name__ = f"Counting{base.__name__}"
    return CountingCursor


def count_statements() -> None:
    """From now on, count every statement each new database connection runs."""
    from django.db.backends.signals import connection_created

    def instrument(sender: Any, connection: Any, **kwargs: Any) -> None:
        raw = connection.connection
        if not getattr(raw.cursor_factory, "_bench_counting", False):
            raw.cursor_factory = _counting_cursor(raw.cursor_factory)
            raw.cursor_factory._bench_counting = True

    connection_created.connect(instrument, weak=False)
    from django.db import connections

    for conn in connections.all():
        if conn.connection is not None:
            instrument(None, conn)


# --- figures ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def table(title: str, rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [[str(h) for h in header]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [
        title,
        line,
        "| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |",
        line,
    ]
    for row in cells[1:]:
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    out.append(line)
    return "\n".join(out)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def machine() -> str:
    import platform as stdlib_platform

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, Python {stdlib_platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, load average at the end {load}"
    )


# --- HTTP clients -----------------------------------------------------------------------------


def http_limits(n: int) -> Any:
    """httpx limits for ``n`` connections, all kept alive."""
    import httpx

    return httpx.Limits(max_connections=n, max_keepalive_connections=n)


async def closed_loop(
    port: int,
    items: Sequence[Any],
    send: Any,
    concurrency: int,
    *,
    think: float = 0.0,
    seed: int = 5,
    timeout: float = 60.0,
) -> float:
    """``concurrency`` clients on one ``httpx.AsyncClient`` (one connection each) to 127.0.0.1:``port``;
    each takes the next of ``items`` and awaits ``send(client, item)``, until none is left.

    With ``concurrency == len(items)`` every item is sent at once (a rush).
    With ``think`` > 0 each client first pauses for an exponentially
    distributed time with that mean (starting at a random point of its first
    pause), as people do between two actions.  ``send`` records its own
    results.  Returns the seconds from the first send to the last answer.
    """
    import asyncio
    import random

    import httpx

    queue = list(reversed(items))
    rng = random.Random(seed)

    async def one_client(client: Any) -> None:
        if think:
            await asyncio.sleep(rng.uniform(0, think))
        while queue:
            item = queue.pop()
            await send(client, item)
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=http_limits(concurrency), timeout=timeout
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one_client(client) for _ in range(concurrency)))
        return time.perf_counter() - started
