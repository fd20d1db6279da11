"""Benchmark: the September morning of a district diagnostic campaign, over HTTP.

Starts uvicorn (``tutornet.asgi:application``, the project's settings and its database
pool; 2 worker processes unless ``--workers``) against its own bench database: a centre,
two schools, 500 mathematics teachers, each signed in (a session, and an API token), a
codifier of 10 topics, 30 auto-scored items and a published fixed-form campaign, open now,
with a 60-minute limit.

1. The start: every teacher starts the campaign
   (``POST /api/diagnostics/campaigns/<id>/start/`` on the centre's host) at a moment
   drawn uniformly within ``--ramp`` seconds (default 60).
2. The morning: from their start on, each teacher saves an answer every
   ``--every`` seconds (default 5, with ±20 % jitter) for ``--duration`` seconds
   (default 120; the issue asks for 10 minutes: the run is shortened, the rate kept),
   ``PUT /api/diagnostics/attempts/<id>/answers/<version>/``, going round the 30 items
   and changing the answer each time round.  The save's p50/p95/max is the target
   (p95 <= 150 ms) — at 500 teachers that is about 100 saves a second.
3. Afterwards the database is checked against what the clients were told: every
   (attempt, item) answered has exactly one row, holding the last answer the client
   got 200 for, with ``saves`` equal to the number of 200s (0 lost, 0 duplicated).
4. Throughput: saves against the trivial tenant-routed endpoint
   (``GET /api/organisation/`` on a school's host, the same authentication),
   closed loops of ``--concurrency`` connections, alternating rounds, in the same run.

The clients sign their requests as the attempt page in the browser does (``--auth session``,
the default: session cookie, ``X-CSRFToken``, ``Origin``; static/js/diagnostics_attempt.js) or
with the API token (``--auth token``).  ``--profile N`` instead times one save in this process.

The clients run in this process, on loopback, one connection per teacher (``--client lean``,
bench/lean_http.py: kept alive, dropped when idle 1 s short of uvicorn's keep-alive timeout,
``--keep-alive``, default 75 s as docker-compose.yml starts it; or ``--client httpx``); they share the
machine's cores with the server, so latencies are an upper bound.  The generator's own CPU per
request is printed.

Run from the repository root:  .venv/bin/python bench/diagnostics_september.py
Targets: save p95 <= 150 ms; 0 lost or duplicated answers; 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# This run's own Redis database unless told otherwise (bench/common reads it on import).
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")

from bench import common, lean_http, september_profile  # noqa: E402
from bench.diagnostics_common import diagnostics_world  # noqa: E402

DB = f"bench_diag_september_{os.getpid()}"
CENTRE_HOST = "centre.localhost"
SCHOOL_HOST = "school1.localhost"
TRIVIAL = "/api/organisation/"
ITEMS = 30


@dataclass
class World:
    centre: Any
    campaign: int
    tokens: list[str]
    sessions: list[str]  # a signed-in browser session per teacher (``--auth session``)
    school1: list[int]  # indexes of the teachers of school 1 (for the trivial endpoint)
    versions: list[tuple[int, str]]  # (version id, type), in the form's order


def prepare(teachers: int) -> World:
    from django.utils import timezone
    from django_tenants.utils import tenant_context
    from knox.models import AuthToken

    from tutorials.diagnostics.campaigns import services

    # Two schools are enough for the load (each one costs a schema's migrations to set up).
    world = diagnostics_world(teachers=teachers, schools=2, items=ITEMS, varied=False)
    centre, versions, method_membership = world.centre, world.versions, world.method_membership
    tokens = [AuthToken.objects.create(user=u)[1] for u in world.users]  # hashed: the key is known only now
    sessions = [session_for(u) for u in world.users]
    now = timezone.now()
    with tenant_context(centre):
        campaign = services.campaign_create(
            membership=method_membership,
            title="Сентябрь",
            academic_year=world.year,
            subject=world.subject,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=1),
            time_limit_minutes=60,
            version_ids=[v.pk for v in versions],
        )
        services.campaign_publish(membership=method_membership, campaign_id=campaign.pk, now=now)
    return World(
        centre=centre,
        campaign=campaign.pk,
        tokens=tokens,
        sessions=sessions,
        school1=[i for i in range(teachers) if i % 2 == 0],
        versions=[(v.pk, v.item.type) for v in versions],
    )


def session_for(user: Any) -> str:
    """A signed-in session of ``user``, as the sign-in page leaves it (the session store's row)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


# Any 32 letters do as the CSRF secret of the cookie; the page sends the cookie's value back.
CSRF = "septembermorningcsrfsecret012345"


def headers_for(world: World, who: int, host: str, auth: str) -> dict[str, str]:
    """What the client sends: the browser's attempt page (static/js/diagnostics_attempt.js) sends
    its session cookie, the CSRF cookie's value in ``X-CSRFToken`` and its Origin; an API
    client sends its token."""
    if auth == "token":
        return {"Authorization": f"Token {world.tokens[who]}", "Host": host}
    from django.conf import settings

    return {
        "Host": host,
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={world.sessions[who]}; {settings.CSRF_COOKIE_NAME}={CSRF}",
        "X-CSRFToken": CSRF,
        "Origin": f"http://{host}",
        "Accept": "application/json",
    }


def response_for(kind: str, turn: int) -> dict[str, Any]:
    """A valid answer of the item's type that differs from one turn to the next."""
    if kind == "single":
        return {"choice": "abc"[turn % 3]}
    if kind == "multiple":
        return {"choices": [["a"], ["a", "b"], ["c"], ["b", "c"]][turn % 4]}
    if kind == "short":
        return {"text": f"ответ {turn}"}
    return {"value": f"{turn},5"}


@dataclass
class Results:
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0  # the generator's CPU seconds (this process)
    opened: int = 0  # connections opened
    retried: int = 0  # requests sent again on a new connection (lean client)


@dataclass
class Ledger:
    """What the clients were told: per (attempt, version) the last answer saved and the 200s."""

    last: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    ok: Counter = field(default_factory=Counter)
    attempts: dict[int, int] = field(default_factory=dict)  # client -> attempt id


class HttpxConnection:
    """``--client httpx``: the same calls through one shared ``httpx.AsyncClient`` (its pool)."""

    def __init__(self, client: Any) -> None:
        self.client, self.opened, self.retried = client, 0, 0

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        response = await self.client.request(method, path, headers=headers, content=body or None)
        return response.status_code, response.content

    async def close(self) -> None:
        pass


@asynccontextmanager
async def connections(port: int, count: int, kind: str, idle: float = 4.0) -> AsyncIterator[list[Any]]:
    """``count`` browsers' connections: ``lean`` (bench/lean_http.py, one kept-alive connection
    each, dropped after 4 s idle) or ``httpx`` (one AsyncClient, its pool, the same 4 s)."""
    if kind == "lean":
        made = [lean_http.Connection(port, idle=idle) for _ in range(count)]
        try:
            yield made
        finally:
            await asyncio.gather(*(c.close() for c in made))
        return
    import httpx

    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count, keepalive_expiry=idle)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as client:
        yield [HttpxConnection(client)] * count


async def _call(
    conn: Any, method: str, path: str, results: Results, headers: dict[str, str], body: Any = None
) -> tuple[int, bytes] | None:
    raw = b"" if body is None else json.dumps(body).encode()
    if body is not None:
        headers = {**headers, "Content-Type": "application/json"}
    started = time.perf_counter()
    try:
        status, content = await asyncio.wait_for(conn.request(method, path, headers, raw), 60)
    except Exception as error:  # a refused/broken connection or a timeout is an error
        results.statuses["exception"] += 1
        results.errors.append(f"{type(error).__name__}: {error}")
        await conn.close()
        return None
    results.latencies.append(time.perf_counter() - started)
    results.statuses[status] += 1
    if status >= 300:
        results.errors.append(f"{status}: {content[:200]!r}")
    return status, content


async def morning(port: int, world: World, args: argparse.Namespace) -> tuple[Results, Results, Ledger]:
    starts, saves, ledger = Results(), Results(), Ledger()
    rng = random.Random(9)
    begin = time.perf_counter()

    async def teacher(client: Any, who: int) -> None:
        headers = headers_for(world, who, CENTRE_HOST, args.auth)
        await asyncio.sleep(rng.uniform(0, args.ramp))
        response = await _call(
            client, "POST", f"/api/diagnostics/campaigns/{world.campaign}/start/", starts, headers=headers
        )
        if response is None or response[0] != 201:
            return
        attempt = json.loads(response[1])["id"]
        ledger.attempts[who] = attempt
        stop_at = time.perf_counter() + args.duration
        turn = 0
        while True:
            await asyncio.sleep(args.every * rng.uniform(0.8, 1.2))
            if time.perf_counter() >= stop_at:
                return
            version, kind = world.versions[(who + turn) % len(world.versions)]
            answer = response_for(kind, turn // len(world.versions) + who)
            turn += 1
            saved = await _call(
                client,
                "PUT",
                f"/api/diagnostics/attempts/{attempt}/answers/{version}/",
                saves,
                headers,
                {"response": answer},
            )
            if saved is not None and saved[0] == 200:
                ledger.last[(attempt, version)] = answer
                ledger.ok[(attempt, version)] += 1

    clients = len(world.tokens)
    # An idle connection is dropped after 4 s, before uvicorn's keep-alive timeout (5 s) closes
    # it: at a save every 5 s the two met and a request sent on a closing connection failed
    # (one ReadError in a run with httpx, which does not retry such a request as a browser does).
    cpu = time.process_time()
    async with connections(port, clients, args.client, args.keep_alive - 1) as conns:
        await asyncio.gather(*(teacher(conns[i], i) for i in range(clients)))
        starts.opened = sum(c.opened for c in set(conns))
        starts.retried = sum(c.retried for c in set(conns))
    starts.seconds = saves.seconds = time.perf_counter() - begin
    starts.cpu = saves.cpu = time.process_time() - cpu
    return starts, saves, ledger


async def throughput(
    port: int,
    world: World,
    ledger: Ledger,
    requests: int,
    concurrency: int,
    trivial: bool,
    auth: str,
    client: str,
) -> Results:
    """``requests`` answer saves of the started attempts, or as many calls of the trivial endpoint,
    from ``concurrency`` connections each sending its next request when the last is answered."""
    results = Results()
    who_of = sorted(ledger.attempts)

    async def send(client: Any, turn: int) -> None:
        if trivial:
            who = world.school1[turn % len(world.school1)]
            headers = headers_for(world, who, SCHOOL_HOST, auth)
            await _call(client, "GET", TRIVIAL, results, headers)
            return
        who = who_of[turn % len(who_of)]
        attempt = ledger.attempts[who]
        version, kind = world.versions[turn % len(world.versions)]
        answer = response_for(kind, 1000 + turn)
        headers = headers_for(world, who, CENTRE_HOST, auth)
        saved = await _call(
            client,
            "PUT",
            f"/api/diagnostics/attempts/{attempt}/answers/{version}/",
            results,
            headers,
            {"response": answer},
        )
        if saved is not None and saved[0] == 200:
            ledger.last[(attempt, version)] = answer
            ledger.ok[(attempt, version)] += 1

    queue = list(reversed(range(requests)))

    async def one_client(conn: Any) -> None:
        while queue:
            await send(conn, queue.pop())

    cpu = time.process_time()
    async with connections(port, concurrency, client) as conns:
        started = time.perf_counter()
        await asyncio.gather(*(one_client(c) for c in conns))
        results.seconds = time.perf_counter() - started
    results.cpu = time.process_time() - cpu
    return results


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server: the process and its children
    (the uvicorn workers of ``--workers N``), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def database_check(world: World, ledger: Ledger) -> dict[str, int]:
    """Lost: a 200 with no row, or a row holding another answer; duplicated: more saves
    counted than 200s given, or a row no client was told was saved."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    with tenant_context(world.centre), connection.cursor() as cursor:
        cursor.execute("SELECT attempt_id, version_id, response, saves FROM campaigns_answer")
        # Django's psycopg loader gives jsonb as text (its JSONField decodes it).
        rows = {
            (a, v): (json.loads(response) if isinstance(response, str) else response, saves)
            for a, v, response, saves in cursor.fetchall()
        }
        cursor.execute("SELECT count(*), count(DISTINCT teacher_id) FROM campaigns_attempt")
        attempts, teachers = cursor.fetchone()
    lost = sum(1 for key, answer in ledger.last.items() if key not in rows or rows[key][0] != answer)
    miscounted = sum(1 for key, n in ledger.ok.items() if key in rows and rows[key][1] != n)
    unknown = sum(1 for key in rows if key not in ledger.last)
    return {
        "answers in the database": len(rows),
        "answers the clients saved": len(ledger.last),
        "lost (missing or another answer)": lost,
        "saves counted != 200s given": miscounted,
        "rows no client saved": unknown,
        "attempts": attempts,
        "teachers with an attempt": teachers,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teachers", type=int, default=500)
    parser.add_argument(
        "--ramp", type=float, default=60.0, help="seconds within which all start (default 60)"
    )
    parser.add_argument(
        "--every", type=float, default=5.0, help="seconds between a teacher's saves (default 5)"
    )
    parser.add_argument(
        "--duration", type=float, default=120.0, help="seconds each teacher saves (default 120)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="connections in the throughput phase")
    parser.add_argument("--requests", type=int, default=300, help="requests per throughput run (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument(
        "--port", type=int, default=0, help="the server's loopback port (default: any free one)"
    )
    parser.add_argument(
        "--auth",
        choices=("session", "token"),
        default="session",
        help="how the clients sign their requests: the browser's session cookie and CSRF token "
        "(default, what the attempt page sends) or an API token",
    )
    parser.add_argument(
        "--client",
        choices=("lean", "httpx"),
        default="lean",
        help="the load generator's connections: bench/lean_http.py (default: one kept-alive "
        "connection per teacher, written and read by hand) or one httpx.AsyncClient (its pool)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of the morning: N save requests in this process by token and by session "
        "(time, statements, cProfile), next to the trivial endpoint; seeds --teachers (use 4)",
    )
    parser.add_argument(
        "--keep-alive",
        type=float,
        default=75.0,
        help="uvicorn's --timeout-keep-alive (default 75, as docker-compose.yml and the Dockerfile start "
        "it; uvicorn's own is 5); the clients drop a connection idle for 1 s less",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database")
    args = parser.parse_args()
    common.database_create(DB)
    processes = []
    try:
        env = common.django_setup(DB)
        common.flush_redis()
        common.migrate_shared()
        t0 = time.perf_counter()
        world = prepare(args.teachers)
        print(
            f"seeded {args.teachers} teachers, {ITEMS} items in {time.perf_counter() - t0:.1f} s", flush=True
        )
        if args.profile:
            september_profile.profile(
                world,
                args.profile,
                40,
                headers_for=headers_for,
                response_for=response_for,
                hosts=(CENTRE_HOST, SCHOOL_HOST),
                trivial=TRIVIAL,
            )
            return 0
        process, port = common.start_uvicorn(
            "tutornet.asgi:application", env, workers=args.workers, port=args.port, keep_alive=args.keep_alive
        )
        processes.append(process)
        load_before = os.getloadavg()
        starts, saves, ledger = asyncio.run(morning(port, world, args))
        load_after_morning = os.getloadavg()
        rounds_save: list[Results] = []
        rounds_trivial: list[Results] = []
        cpu = {"save": 0.0, "trivial": 0.0}
        for _ in range(args.rounds):
            for kind, rounds in (("save", rounds_save), ("trivial", rounds_trivial)):
                before = server_cpu(process.pid)
                rounds.append(
                    asyncio.run(
                        throughput(
                            port,
                            world,
                            ledger,
                            args.requests,
                            args.concurrency,
                            kind == "trivial",
                            args.auth,
                            args.client,
                        )
                    )
                )
                cpu[kind] += server_cpu(process.pid) - before
        checks = database_check(world, ledger)
        save_rate = sum(len(r.latencies) for r in rounds_save) / sum(r.seconds for r in rounds_save)
        trivial_rate = sum(len(r.latencies) for r in rounds_trivial) / sum(r.seconds for r in rounds_trivial)
        errors = (
            sum(n for s, n in starts.statuses.items() if s != 201)
            + sum(n for s, n in saves.statuses.items() if s != 200)
            + sum(n for r in rounds_save + rounds_trivial for s, n in r.statuses.items() if s != 200)
        )
        loop_cpu = sum(r.cpu for r in rounds_save + rounds_trivial)
        loop_requests = sum(len(r.latencies) for r in rounds_save + rounds_trivial)
        ms = [x * 1000 for x in saves.latencies]
        start_ms = [x * 1000 for x in starts.latencies]
        print(common.machine())
        print(
            "load average before / after the morning / at the end: "
            + " / ".join(
                ", ".join(f"{x:.1f}" for x in load)
                for load in (load_before, load_after_morning, os.getloadavg())
            )
        )
        print(
            common.table(
                f"The September morning: {args.teachers} teachers, start within {args.ramp:g} s, "
                f"a save every {args.every:g} s for {args.duration:g} s; --auth {args.auth}, "
                f"--workers {args.workers}, --client {args.client}, --keep-alive {args.keep_alive:g}",
                [
                    ["starts answered 201", f"{starts.statuses.get(201, 0)} of {args.teachers}", ""],
                    [
                        "start p50 / p95",
                        f"{common.percentile(start_ms, 50):.1f} / {common.percentile(start_ms, 95):.1f} ms",
                        "",
                    ],
                    [
                        "saves sent / answered 200",
                        f"{sum(saves.statuses.values())} / {saves.statuses.get(200, 0)}",
                        "",
                    ],
                    ["save rate offered", f"{len(ms) / max(saves.seconds, 1e-9):.1f} /s", ""],
                    [
                        f"generator CPU per request ({args.client}), morning / closed loop",
                        f"{1000 * saves.cpu / max(1, len(ms) + len(start_ms)):.2f} / "
                        f"{1000 * loop_cpu / max(1, loop_requests):.2f} ms",
                        "",
                    ],
                    [
                        "connections opened / requests sent again (morning)",
                        f"{starts.opened} / {starts.retried}",
                        "",
                    ],
                    ["save p50", f"{common.percentile(ms, 50):.1f} ms", ""],
                    ["save p95", f"{common.percentile(ms, 95):.1f} ms", "<= 150 ms"],
                    ["save max", f"{max(ms, default=float('nan')):.1f} ms", ""],
                    ["errors (any other answer or a failed connection)", errors, "0"],
                    *[
                        [k, v, "0" if k.startswith(("lost", "saves counted", "rows no")) else ""]
                        for k, v in checks.items()
                    ],
                    [f"saves/s, closed loop of {args.concurrency}", f"{save_rate:.1f}", ""],
                    [f"trivial {TRIVIAL}/s, same loop", f"{trivial_rate:.1f}", ""],
                    ["throughput ratio save / trivial (same run)", f"{save_rate / trivial_rate:.2f}", ""],
                    *[
                        [
                            f"server CPU per {kind} request (closed loop)",
                            f"{1000 * cpu[kind] / max(1, sum(len(r.latencies) for r in rounds)):.2f} ms",
                            "",
                        ]
                        for kind, rounds in (("save", rounds_save), ("trivial", rounds_trivial))
                    ],
                ],
                ["what", "measured", "target"],
            )
        )
        for error in (starts.errors + saves.errors)[:5]:
            print("  e.g.", error)
        bad = (
            checks["lost (missing or another answer)"]
            + checks["saves counted != 200s given"]
            + checks["rows no client saved"]
        )
        return 0 if errors == 0 and bad == 0 and common.percentile(ms, 95) <= 150 else 1
    finally:
        common.stop(processes)
        if not args.keep_db:
            common.database_drop(DB)


if __name__ == "__main__":
    raise SystemExit(main())
