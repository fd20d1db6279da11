"""Benchmark 5: booking under contention, over HTTP, through the REST API.

Starts ONE uvicorn process (``tutornet.asgi:application``, the project's own
settings, so the pooled database connections of ``DB_POOL_MAX``) against its
own bench database with a centre, one of its schools, tutors and 200 teachers
of the school with API tokens.  Every request is a real
``POST /api/consultations/bookings/`` on the centre's host, authenticated by
the teacher's token, through the booking service (row lock on the slot,
exclusion constraints, the outbox notifications, the live push on commit).

1. Contention: 200 concurrent clients (one teacher each, one connection each)
   book one GROUP slot with 50 places; then 200 clients book 50 INDIVIDUAL
   slots of one offering (four clients per slot).  Expected both times: exactly
   50 answers 201, 150 answers 409 ``slot_taken``, no other answer, and in the
   database exactly 50 active bookings, counters equal to the bookings, and no
   two overlapping bookings of one teacher or slots of one tutor.
2. Latency: 50 concurrent clients, each booking a different free individual
   slot every time; p50/p95/max of the response time.  Twice: back to back
   (a closed loop with no pause, which measures the server saturated: latency
   = 50 / throughput), then with think time (``--think``, mean 2 s,
   exponential), as 50 people at their screens would.  The target (p95 <=
   150 ms) is judged on the second run; the first is shown beside it.
3. Throughput: the booking endpoint against a trivial tenant-routed endpoint
   (``GET /api/organisation/`` on the school's host, the same token
   authentication), alternating rounds at the same concurrency.

The clients are ``httpx.AsyncClient`` connections in this process, on
loopback; they share the machine's cores with the server, so latencies are an
upper bound.  Notification delivery tasks are queued to Redis (db 6) and not
run: no worker is started.

Run from the repository root:  .venv/bin/python bench/booking_contention.py
Targets: contention exactly 50 booked / 150 refused / 0 errors / 0 overlaps;
p95 <= 150 ms at 50 concurrent clients; booking throughput >= 0.5x the trivial endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_booking_{os.getpid()}"
CENTRE_HOST = "centre.localhost"
SCHOOL_HOST = "school1.localhost"
BOOKINGS = "/api/consultations/bookings/"
TRIVIAL = "/api/organisation/"
PLACES = 50


@dataclass
class World:
    centre: Any
    teachers: list[int]  # user ids, index = client number
    tokens: list[str]
    group_slot: int
    individual_slots: list[int]  # PLACES slots of one individual offering
    series: list[int]  # free individual slots for the latency/throughput phases, in booking order
    series_tutors: int
    next_series: int = 0

    def take(self, n: int) -> list[tuple[int, int]]:
        """The next ``n`` (slot, client) pairs: no teacher ever gets two slots at one time."""
        start = self.next_series
        if start + n > len(self.series):
            raise SystemExit(f"not enough slots prepared ({len(self.series)}); lower the request counts")
        self.next_series += n
        return [(self.series[j], j % len(self.teachers)) for j in range(start, start + n)]


def prepare(teachers: int, series_slots: int, series_tutors: int) -> World:
    from django.utils import timezone
    from django_tenants.utils import tenant_context
    from knox.models import AuthToken

    from accounts.models import Membership, Role, User
    from consultations.models import Offering, Slot
    from tenants.models import Subject
    from tenants.services import organisation_create

    assert series_tutors <= teachers  # see World.take
    centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
    school, _ = organisation_create(
        kind="school", name="Школа № 1", short_name="Школа 1", subdomain="school1", centre=centre
    )
    tutors = User.objects.bulk_create(
        [
            User(email=f"tutor{i}@centre.bench", last_name="Тьюторова", first_name=f"Анна{i}")
            for i in range(series_tutors + 2)
        ]
    )
    Membership.objects.bulk_create([Membership(user=t, organisation=centre, role=Role.TUTOR) for t in tutors])
    people = User.objects.bulk_create(
        [
            User(email=f"teacher{i}@school.bench", last_name="Бенчмарков", first_name=f"Учитель{i}")
            for i in range(teachers)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=p, organisation=school, role=Role.TEACHER) for p in people]
    )
    tokens = [AuthToken.objects.create(user=p)[1] for p in people]  # hashed: the key is known only now
    subject = Subject.objects.create(name="Математика", code="math")

    hour = timedelta(hours=1)
    first = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    with tenant_context(centre):

        def offering(tutor: Any, capacity: int) -> Offering:
            return Offering.objects.create(
                tutor=tutor,
                subject=subject,
                format=Offering.Format.GROUP if capacity > 1 else Offering.Format.INDIVIDUAL,
                capacity=capacity,
                mode=Offering.Mode.VIDEO,
            )

        def slot(made: Offering, starts: Any) -> Slot:
            return Slot(
                offering=made,
                tutor=made.tutor,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=45),
                capacity=made.capacity,
            )

        group = offering(tutors[0], PLACES)
        group_slot = Slot.objects.bulk_create([slot(group, first)])[0]
        # Individual contention slots come after the group slot: a teacher who got a
        # group place must meet "slot taken", not "you already have a consultation".
        single = offering(tutors[1], 1)
        individual = Slot.objects.bulk_create([slot(single, first + (2 + i) * hour) for i in range(PLACES)])
        series_start = first + (PLACES + 4) * hour
        series_offerings = [offering(t, 1) for t in tutors[2:]]
        hours = -(-series_slots // series_tutors)
        rows = [
            slot(series_offerings[k], series_start + h * hour)
            for h in range(hours)
            for k in range(series_tutors)
        ]
        series = Slot.objects.bulk_create(rows)
        horizon = max(r.starts_at for r in series) - timezone.now()
        assert horizon < timedelta(days=group.horizon_days), "the slots must lie within the booking horizon"
    return World(
        centre=centre,
        teachers=[p.pk for p in people],
        tokens=tokens,
        group_slot=group_slot.pk,
        individual_slots=[s.pk for s in individual],
        series=[s.pk for s in series],
        series_tutors=series_tutors,
    )


# --- the clients ------------------------------------------------------------------------------


@dataclass
class Results:
    statuses: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def other(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in (200, 201, 409))


async def _post_booking(client: Any, token: str, slot: int, results: Results) -> None:
    started = time.perf_counter()
    try:
        response = await client.post(
            BOOKINGS,
            json={"slot": slot, "question": "Как подготовить девятиклассников к ОГЭ по геометрии?"},
            headers={"Authorization": f"Token {token}", "Host": CENTRE_HOST},
        )
    except Exception as error:  # a refused/broken connection is an error, never a refusal
        results.statuses["exception"] += 1
        results.errors.append(f"{type(error).__name__}: {error}")
        return
    results.latencies.append(time.perf_counter() - started)
    results.statuses[response.status_code] += 1
    if response.status_code == 409:
        results.codes[response.json().get("code")] += 1
    elif response.status_code != 201:
        results.errors.append(f"{response.status_code}: {response.text[:200]}")


async def contention(port: int, world: World, slots: list[int]) -> Results:
    """One client per teacher, all at once; client i books ``slots[i % len(slots)]``."""
    results = Results()
    clients = len(world.teachers)

    async def send(client: Any, i: int) -> None:
        await _post_booking(client, world.tokens[i], slots[i % len(slots)], results)

    results.seconds = await common.closed_loop(port, range(clients), send, clients)
    return results


async def closed_loop(
    port: int, world: World, pairs: list[tuple[int, int]], concurrency: int, think: float = 0.0
) -> Results:
    """``concurrency`` clients, each sending its next booking when the last is answered.

    With ``think`` > 0 each client first pauses for an exponentially distributed
    time with that mean (starting at a random point of its first pause), as
    people do between two actions: 50 clients then offer about
    50 / (think + latency) bookings per second instead of as many as the server
    can answer.
    """
    results = Results()

    async def send(client: Any, pair: tuple[int, int]) -> None:
        slot, who = pair
        await _post_booking(client, world.tokens[who], slot, results)

    results.seconds = await common.closed_loop(port, pairs, send, concurrency, think=think)
    return results


async def trivial_loop(port: int, world: World, requests: int, concurrency: int) -> Results:
    """The same closed loop on ``GET /api/organisation/`` of the teachers' school."""
    results = Results()

    async def send(client: Any, who: int) -> None:
        started = time.perf_counter()
        try:
            response = await client.get(
                TRIVIAL, headers={"Authorization": f"Token {world.tokens[who]}", "Host": SCHOOL_HOST}
            )
        except Exception as error:
            results.statuses["exception"] += 1
            results.errors.append(f"{type(error).__name__}: {error}")
            return
        results.latencies.append(time.perf_counter() - started)
        results.statuses[response.status_code] += 1
        if response.status_code != 200:
            results.errors.append(f"{response.status_code}: {response.text[:200]}")

    who = [i % concurrency for i in range(requests)]
    results.seconds = await common.closed_loop(port, who, send, concurrency)
    return results


# --- the database's word ----------------------------------------------------------------------


def database_check(world: World, slots: list[int]) -> dict[str, int]:
    """What PostgreSQL holds for these slots, and overlaps anywhere in the centre's schema."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    with tenant_context(world.centre), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM consultations_booking WHERE slot_id = ANY(%s) AND status <> 'cancelled'",
            [slots],
        )
        booked = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(sum(booked), 0), count(*) FILTER (WHERE booked > capacity - offered)"
            " FROM consultations_slot WHERE id = ANY(%s)",
            [slots],
        )
        counters, overbooked = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM consultations_slot s WHERE s.booked <> (SELECT count(*) FROM"
            " consultations_booking b WHERE b.slot_id = s.id AND b.status <> 'cancelled')"
        )
        counter_mismatches = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM consultations_booking a JOIN consultations_booking b"
            " ON a.teacher_id = b.teacher_id AND a.id < b.id"
            " AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)"
            " WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"
        )
        teacher_overlaps = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM consultations_slot a JOIN consultations_slot b"
            " ON a.tutor_id = b.tutor_id AND a.id < b.id"
            " AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)"
            " WHERE NOT a.is_cancelled AND NOT b.is_cancelled"
        )
        tutor_overlaps = cursor.fetchone()[0]
    return {
        "booked": booked,
        "counters": counters,
        "overbooked": overbooked,
        "counter_mismatches": counter_mismatches,
        "teacher_overlaps": teacher_overlaps,
        "tutor_overlaps": tutor_overlaps,
    }


def in_process_counts(world: World, n: int = 20) -> list[tuple[str, float]]:
    """Queries per request of both endpoints, through Django's test client (warm caches)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()

    def booking(slot: int, who: int) -> None:
        response = client.post(
            BOOKINGS,
            {"slot": slot, "question": "?"},
            content_type="application/json",
            HTTP_HOST=CENTRE_HOST,
            HTTP_AUTHORIZATION=f"Token {world.tokens[who]}",
        )
        assert response.status_code == 201, response.content

    def trivial(who: int) -> None:
        response = client.get(TRIVIAL, HTTP_HOST=SCHOOL_HOST, HTTP_AUTHORIZATION=f"Token {world.tokens[who]}")
        assert response.status_code == 200, response.content

    for slot, who in world.take(3):
        booking(slot, who)
        trivial(who)
    rows = []
    with CaptureQueriesContext(connection) as captured:
        for slot, who in world.take(n):
            booking(slot, who)
    rows.append((f"POST {BOOKINGS}", len(captured) / n))
    with CaptureQueriesContext(connection) as captured:
        for who in range(n):
            trivial(who)
    rows.append((f"GET {TRIVIAL}", len(captured) / n))
    return rows


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--teachers", type=int, default=200, help="concurrent clients in the contention phase"
    )
    parser.add_argument("--latency-clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--latency-requests", type=int, default=500, help="bookings in the latency phase")
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="mean think time in s of each latency client in the second latency run (default 2; 0: skip it)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="connections in the throughput phase")
    parser.add_argument("--requests", type=int, default=300, help="requests per throughput run (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds (default 3)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database")
    args = parser.parse_args()

    warmup = 50
    needed = warmup + 2 * args.latency_requests + args.rounds * args.requests + warmup + 23
    common.database_create(DB)
    processes = []
    try:
        env = common.django_setup(DB)
        # What the uvicorn process gets (tutornet/asgi.py turns the pool on by default).
        pool = os.environ.get("DB_POOL_MAX", "10")
        common.flush_redis()
        common.migrate_shared()
        world = prepare(args.teachers, needed, series_tutors=10)
        counts = in_process_counts(world)

        port = common.free_port()
        processes.append(
            common.start(
                [
                    "-m",
                    "uvicorn",
                    "tutornet.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.workers),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                env,
            )
        )
        common.wait_port(port)
        # Warm-up: code paths, the host cache, the pool (not counted).
        asyncio.run(closed_loop(port, world, world.take(warmup), 10))
        asyncio.run(trivial_loop(port, world, 200, 10))

        group = asyncio.run(contention(port, world, [world.group_slot]))
        group_db = database_check(world, [world.group_slot])
        single = asyncio.run(contention(port, world, world.individual_slots))
        single_db = database_check(world, world.individual_slots)

        latency_pairs = world.take(args.latency_requests)
        latency = asyncio.run(closed_loop(port, world, latency_pairs, args.latency_clients))
        latency_db = database_check(world, [slot for slot, _ in latency_pairs])
        paced = None
        if args.think > 0:
            paced_pairs = world.take(args.latency_requests)
            paced = asyncio.run(closed_loop(port, world, paced_pairs, args.latency_clients, think=args.think))
            paced_db = database_check(world, [slot for slot, _ in paced_pairs])

        runs: dict[str, list[Results]] = {"booking": [], "trivial": []}
        for round_no in range(args.rounds):
            order = ["booking", "trivial"] if round_no % 2 == 0 else ["trivial", "booking"]
            for name in order:
                if name == "booking":
                    result = asyncio.run(
                        closed_loop(port, world, world.take(args.requests), args.concurrency)
                    )
                else:
                    result = asyncio.run(trivial_loop(port, world, args.requests, args.concurrency))
                runs[name].append(result)
    finally:
        common.stop(processes)
        from django.db import connections

        connections.close_all()
        common.flush_redis()
        if not args.keep_db:
            common.database_drop(DB)

    print(f"Booking under contention — {common.machine()}")
    print(
        f"uvicorn tutornet.asgi, {args.workers} worker(s), DB_POOL_MAX={pool}; httpx clients on loopback; "
        f"POST {BOOKINGS} on {CENTRE_HOST} with API tokens\n"
    )
    ok = True
    rows = []
    for label, result, db in (
        (f"1 group slot, {PLACES} places", group, group_db),
        (f"{PLACES} individual slots", single, single_db),
    ):
        met = (
            result.statuses[201] == PLACES
            and result.statuses[409] == args.teachers - PLACES
            and result.codes["slot_taken"] == args.teachers - PLACES
            and result.other == 0
            and db["booked"] == db["counters"] == PLACES
            and db["overbooked"] == db["counter_mismatches"] == 0
            and db["teacher_overlaps"] == db["tutor_overlaps"] == 0
        )
        ok = ok and met
        rows.append(
            (
                label,
                args.teachers,
                result.statuses[201],
                f"{result.statuses[409]} ({result.codes['slot_taken']} slot_taken)",
                result.other,
                f"{db['booked']} / {db['counters']}",
                db["overbooked"] + db["counter_mismatches"],
                db["teacher_overlaps"] + db["tutor_overlaps"],
                result.seconds,
                common.percentile(result.latencies, 95) * 1000,
                "met" if met else "NOT met",
            )
        )
    print(
        common.table(
            "Contention: all clients at once",
            rows,
            [
                "target",
                "clients",
                "201",
                "409",
                "other",
                "booked in DB / counters",
                "counter faults",
                "overlaps",
                "s",
                "p95 ms",
                "target",
            ],
        )
    )
    for result in (group, single):
        if result.errors:
            print("errors, e.g.:", result.errors[:3])

    def latency_row(label: str, result: Results, db: dict[str, int]) -> tuple[tuple[Any, ...], float, bool]:
        p95 = common.percentile(result.latencies, 95) * 1000
        good = (
            result.statuses[201] == args.latency_requests
            and result.other == 0
            and db["booked"] == args.latency_requests
            and db["teacher_overlaps"] == db["tutor_overlaps"] == 0
        )
        row = (
            label,
            args.latency_requests,
            result.statuses[201],
            args.latency_requests - result.statuses[201],
            args.latency_requests / result.seconds,
            common.percentile(result.latencies, 50) * 1000,
            p95,
            max(result.latencies) * 1000,
        )
        return row, p95, good

    rows = []
    row, p95, good = latency_row("back to back (closed loop, no pause)", latency, latency_db)
    rows.append(row)
    ok = ok and good
    if paced is not None:
        row, paced_p95, paced_good = latency_row(
            f"with think time (mean {args.think:g} s, exponential)", paced, paced_db
        )
        rows.append(row)
        ok = ok and paced_good
    print()
    print(
        common.table(
            f"Latency: {args.latency_clients} concurrent clients, each booking a different free slot",
            rows,
            ["clients' pace", "bookings", "201", "not 201", "bookings/s", "p50 ms", "p95 ms", "max ms"],
        )
    )
    for result in (latency, paced):
        if result is not None and result.errors:
            print("errors, e.g.:", result.errors[:3])
    print(
        f"back to back: p95 {p95:.0f} ms (target <= 150 ms: {'met' if p95 <= 150 else 'NOT met'}; "
        f"in a closed loop latency = clients / throughput)"
    )
    if paced is not None:
        met = paced_p95 <= 150
        print(f"with think time: p95 {paced_p95:.0f} ms (target <= 150 ms: {'met' if met else 'NOT met'})")
        ok = ok and met
    else:
        ok = ok and p95 <= 150
    print()

    rows = []
    means = {}
    for name, label in (("booking", f"POST {BOOKINGS}"), ("trivial", f"GET {TRIVIAL} ({SCHOOL_HOST})")):
        rates = [args.requests / r.seconds for r in runs[name]]
        means[name] = common.mean(rates)
        all_latencies = [x for r in runs[name] for x in r.latencies]
        expected = 201 if name == "booking" else 200
        bad = sum(args.requests - r.statuses[expected] for r in runs[name])
        ok = ok and bad == 0
        rows.append(
            (
                label,
                " / ".join(f"{r:.0f}" for r in rates),
                means[name],
                common.percentile(all_latencies, 50) * 1000,
                common.percentile(all_latencies, 95) * 1000,
                bad,
            )
        )
    print(
        common.table(
            f"Throughput: {args.concurrency} connections, {args.rounds} alternating rounds of "
            f"{args.requests} requests",
            rows,
            ["endpoint", "req/s per run", "mean req/s", "p50 ms", "p95 ms", "unexpected status"],
        )
    )
    ratio = means["booking"] / means["trivial"]
    ok = ok and ratio >= 0.5
    print(
        f"ratio booking / trivial = {ratio:.3f}   (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})\n"
    )
    print(
        common.table(
            "In-process, Django test client: queries per request (Django log, incl. SET search_path)",
            counts,
            ["request", "queries/req"],
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
