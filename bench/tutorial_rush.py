"""Benchmark: the registration rush for a tutorial, over HTTP, through the REST API.

Starts ONE uvicorn process (``tutornet.asgi:application``) against its own
bench database with a centre, one of its schools and 300 teachers of the
school with API tokens.  A tutorial with 40 places is published (through the
services).  Then:

1. Rush: 300 concurrent clients (one teacher each, one connection each) send
   ``POST /api/tutorials/<id>/register/`` at once; every other client asks to
   join the waiting list when full, the rest ask not to.  Expected: exactly 40
   answers 201 ``confirmed``, the rest 201 ``waitlisted`` or 409
   ``tutorial_full``, no other answer; in the database 40 confirmed
   registrations and ``places_taken`` 40 (never more: the check constraint).
2. Throughput: registrations on roomy tutorials (every request a new teacher
   on a tutorial with places) against the trivial tenant-routed endpoint
   ``GET /api/organisation/`` (the same token authentication), alternating
   rounds at the same concurrency, in the same run.

Notification delivery tasks are queued to Redis and not run (no worker).

Run from the repository root:  .venv/bin/python bench/tutorial_rush.py
Targets: exactly 40 registered, the rest waitlisted or refused, 0 errors, 0 over capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_tutorials_{os.getpid()}"
CENTRE_HOST = "centre.localhost"
SCHOOL_HOST = "school1.localhost"
TRIVIAL = "/api/organisation/"
PLACES = 40


@dataclass
class World:
    rush: int
    roomy: list[int]
    tokens: list[str]


@dataclass
class Results:
    statuses: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def prepare(teachers: int, roomy: int) -> World:
    from django.utils import timezone
    from django_tenants.utils import tenant_context
    from knox.models import AuthToken

    from accounts.models import Membership, Role, User
    from tenants.services import organisation_create
    from tutorials.services import tutorial_create, tutorial_publish
    from tutorials.services.tutorials import TutorialData

    centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
    school, _ = organisation_create(
        kind="school", name="Школа № 1", short_name="Школа 1", subdomain="school1", centre=centre
    )
    tutor = User.objects.create(email="tutor@centre.bench", last_name="Тьюторова", first_name="Анна")
    membership = Membership.objects.create(user=tutor, organisation=centre, role=Role.TUTOR)
    people = User.objects.bulk_create(
        [
            User(email=f"teacher{i}@school.bench", last_name="Бенчмарков", first_name=f"Учитель{i}")
            for i in range(teachers)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=p, organisation=school, role=Role.TEACHER) for p in people]
    )
    tokens = [AuthToken.objects.create(user=p)[1] for p in people]
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=5)
    with tenant_context(centre):

        def published(title: str, capacity: int) -> int:
            tutorial = tutorial_create(
                data=TutorialData(
                    title=title,
                    sessions=[(start, start + timedelta(hours=2))],
                    capacity=capacity,
                    place="ЦРО, актовый зал",
                ),
                actor=tutor,
                membership=membership,
            )
            return tutorial_publish(tutorial=tutorial, actor=tutor, membership=membership).pk

        rush = published("Семинар: подготовка к ОГЭ (40 мест)", PLACES)
        roomy_ids = [published(f"Тренинг {n}", teachers) for n in range(roomy)]
    return World(rush=rush, roomy=roomy_ids, tokens=tokens)


async def _register(client: Any, token: str, tutorial: int, waitlist: bool, results: Results) -> None:
    started = time.perf_counter()
    try:
        response = await client.post(
            f"/api/tutorials/{tutorial}/register/",
            json={"waitlist": waitlist},
            headers={"Authorization": f"Token {token}", "Host": CENTRE_HOST},
        )
    except Exception as error:
        results.statuses["exception"] += 1
        results.errors.append(f"{type(error).__name__}: {error}")
        return
    results.latencies.append(time.perf_counter() - started)
    results.statuses[response.status_code] += 1
    if response.status_code == 201:
        results.outcomes[response.json()["status"]] += 1
    elif response.status_code == 409:
        results.outcomes[response.json().get("code")] += 1
    else:
        results.errors.append(f"{response.status_code}: {response.text[:200]}")


async def rush(port: int, world: World) -> Results:
    """One client per teacher, all at once; every other one asks for the waiting list."""
    results = Results()
    n = len(world.tokens)

    async def send(client: Any, i: int) -> None:
        await _register(client, world.tokens[i], world.rush, i % 2 == 0, results)

    results.seconds = await common.closed_loop(port, range(n), send, n, timeout=120)
    return results


async def register_loop(port: int, world: World, pairs: list[tuple[int, int]], concurrency: int) -> Results:
    results = Results()

    async def send(client: Any, pair: tuple[int, int]) -> None:
        tutorial, who = pair
        await _register(client, world.tokens[who], tutorial, True, results)

    results.seconds = await common.closed_loop(port, pairs, send, concurrency)
    return results


async def trivial_loop(port: int, world: World, requests: int, concurrency: int) -> Results:
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

    who = [i % concurrency for i in range(requests)]
    results.seconds = await common.closed_loop(port, who, send, concurrency)
    return results


def database_check(tutorial_id: int) -> dict[str, int]:
    from django_tenants.utils import schema_context

    from tutorials.models import Registration, Tutorial

    with schema_context("centre"):
        tutorial = Tutorial.objects.get(pk=tutorial_id)
        counts = Counter(Registration.objects.filter(tutorial=tutorial).values_list("status", flat=True))
        return {
            "capacity": tutorial.capacity,
            "places_taken": tutorial.places_taken,
            "confirmed": counts.get("confirmed", 0),
            "waitlisted": counts.get("waitlisted", 0),
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teachers", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=300, help="requests per throughput run")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    roomy = args.rounds + 1
    common.database_create(DB)
    processes = []
    try:
        env = common.django_setup(DB)
        common.flush_redis()
        common.migrate_shared()
        world = prepare(args.teachers, roomy)
        process, port = common.start_uvicorn("tutornet.asgi:application", env)
        processes.append(process)
        asyncio.run(trivial_loop(port, world, 100, 8))  # warm-up (host cache, pool, code paths)

        result = asyncio.run(rush(port, world))
        db = database_check(world.rush)

        runs: dict[str, list[Results]] = {"register": [], "trivial": []}
        n = min(args.requests, args.teachers)
        for round_no in range(args.rounds):
            pairs = [(world.roomy[round_no + 1], who) for who in range(n)]
            order = ["register", "trivial"] if round_no % 2 == 0 else ["trivial", "register"]
            for name in order:
                if name == "register":
                    runs[name].append(asyncio.run(register_loop(port, world, pairs, args.concurrency)))
                else:
                    runs[name].append(asyncio.run(trivial_loop(port, world, n, args.concurrency)))
    finally:
        common.stop(processes)

    ok = (
        result.outcomes.get("confirmed", 0) == PLACES
        and result.outcomes.get("confirmed", 0)
        + result.outcomes.get("waitlisted", 0)
        + result.outcomes.get("tutorial_full", 0)
        == args.teachers
        and not result.errors
        and db["places_taken"] == PLACES
        and db["confirmed"] == PLACES
    )
    print(f"\n{common.machine()}; DB_POOL_MAX={os.environ.get('DB_POOL_MAX', '10')}")
    print(f"Rush: {args.teachers} clients at once for {PLACES} places, in {result.seconds:.2f} s")
    print(
        f"  answers: {dict(result.statuses)}  outcomes: {dict(result.outcomes)}  errors: {len(result.errors)}"
    )
    print(
        f"  p50 {statistics.median(result.latencies) * 1000:.0f} ms, "
        f"p95 {common.percentile(result.latencies, 95) * 1000:.0f} ms, "
        f"max {max(result.latencies) * 1000:.0f} ms"
    )
    print(f"  database: {db}  over capacity: {max(0, db['confirmed'] - db['capacity'])}")
    print(f"  verdict: {'PASS' if ok else 'FAIL'}")
    for error in result.errors[:5]:
        print("   ", error)
    rates = {}
    for name, results in runs.items():
        per = [len(r.latencies) / r.seconds for r in results]
        rates[name] = statistics.mean(per)
        bad = sum(sum(n for s, n in r.statuses.items() if s not in (200, 201)) for r in results)
        print(
            f"Throughput {name:<8}: {rates[name]:.1f} req/s (rounds {', '.join(f'{p:.1f}' for p in per)}), "
            f"non-2xx {bad}, concurrency {args.concurrency}"
        )
    print(f"ratio register / trivial = {rates['register'] / rates['trivial']:.3f}")
    common.database_drop(DB)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
