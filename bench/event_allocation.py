"""Benchmark: allocation of a methodological week's tracks by preferences.

600 participants registered (through the service) for an event with 3 blocks of
12 parallel tracks each; every participant rates every track 0..5 with a skewed
popularity (some workshops are wanted by many, a few people cannot attend some).
Times ``services.event_allocate`` end to end (reading the ratings, the networkx
min-cost flow per block, writing the assignments, counters and runs, one
transaction) and the bare solver on the same ratings; then computes first come,
first served on the same ratings in the same run (registration order, each takes
their best-rated track with a free place) and compares the total satisfaction.

Run from the repository root:  .venv/bin/python bench/event_allocation.py
Target: 600 x 12 x 3 solved <= 5 s (the service, end to end).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_events_{os.getpid()}"
TARGET_SECONDS = 5.0


def rating_for(rng: random.Random, popularity: float) -> int:
    """A participant's rating of a track: popular tracks get high marks more often; ~8% zeros."""
    if rng.random() < 0.08:
        return 0
    return max(1, min(5, round(rng.gauss(1.5 + 3.0 * popularity, 1.1))))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=600)
    parser.add_argument("--tracks", type=int, default=12)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database")
    args = parser.parse_args()

    common.database_create(DB)
    try:
        common.django_setup(DB)
        common.migrate_shared()
        from django.utils import timezone
        from django_tenants.utils import tenant_context

        from accounts.models import Membership, Role, User
        from tenants.services import organisation_create
        from tutorials.events import services
        from tutorials.events.allocation import TrackSpec, allocate_by_preferences, allocate_first_come
        from tutorials.events.models import Participant, Rating, Track

        centre, _ = organisation_create(kind="centre", name="ЦРО", short_name="ЦРО", subdomain="centre")
        school, _ = organisation_create(
            kind="school", name="Школа № 1", short_name="Школа № 1", subdomain="school1", centre=centre
        )
        rng = random.Random(args.seed)
        with tenant_context(centre):
            organiser = User.objects.create_user(email="methodologist@bench.example", password="x")
            organiser_membership = Membership.objects.create(
                user=organiser, organisation=centre, role=Role.METHODOLOGIST
            )
            users = User.objects.bulk_create(
                User(email=f"teacher{i}@bench.example", last_name=f"Учитель {i}")
                for i in range(args.participants)
            )
            memberships = Membership.objects.bulk_create(
                Membership(user=u, organisation=school, role=Role.TEACHER) for u in users
            )
            for membership, user in zip(memberships, users, strict=True):
                membership.user = user
            now = timezone.now()
            start = timezone.localdate() + timedelta(days=14)
            event = services.event_create(
                actor=organiser,
                membership=organiser_membership,
                title="Методическая неделя",
                starts_on=start,
                ends_on=start + timedelta(days=2),
                rating_opens_at=now - timedelta(hours=1),
                rating_closes_at=now + timedelta(days=1),
            )
            days = list(event.days.order_by("date"))
            per_track = -(-args.participants * 21 // 20 // args.tracks)  # ~5% more places than people
            for b in range(args.blocks):
                block = services.block_add(
                    actor=organiser,
                    membership=organiser_membership,
                    day_id=days[b % len(days)].pk,
                    title=f"Блок {b + 1}",
                    starts=clock(10 + 3 * (b // len(days))),
                    ends=clock(12 + 3 * (b // len(days))),
                )
                for t in range(args.tracks):
                    services.track_add(
                        actor=organiser,
                        membership=organiser_membership,
                        block_id=block.pk,
                        title=f"Мастерская {b + 1}.{t + 1}",
                        places=per_track,
                        min_size=10,
                    )
            services.event_publish(actor=organiser, membership=organiser_membership, event_id=event.pk)
            started = time.perf_counter()
            for membership in memberships:
                services.participant_register(actor=membership.user, membership=membership, event_id=event.pk)
            registering = time.perf_counter() - started
            tracks = list(
                Track.objects.filter(block__day__event=event).order_by("block__starts_at", "position")
            )
            popularity = {t.pk: rng.random() ** 2 for t in tracks}
            participants = list(Participant.objects.filter(event=event).order_by("registered_at", "pk"))
            Rating.objects.bulk_create(
                Rating(participant=p, track=t, value=rating_for(rng, popularity[t.pk]))
                for p in participants
                for t in tracks
            )

            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as statements:
                started, cpu_started = time.perf_counter(), time.process_time()
                summaries = services.event_allocate(
                    actor=organiser, membership=organiser_membership, event_id=event.pk
                )
                service_seconds = time.perf_counter() - started
                service_cpu = time.process_time() - cpu_started
            statement_count = len(statements)
            statement_seconds = sum(float(q["time"]) for q in statements.captured_queries)

            ratings: dict[int, dict[int, int]] = {}
            for p, t, v in Rating.objects.filter(participant__event=event).values_list(
                "participant_id", "track_id", "value"
            ):
                ratings.setdefault(p, {})[t] = v
            order = [p.pk for p in participants]
            solver_seconds = solver_cpu = 0.0
            rows = []
            totals = {"pref": 0, "fcfs": 0, "best": 0, "pref_out": 0, "fcfs_out": 0}
            for summary in summaries:
                specs = [
                    TrackSpec(t.pk, t.places, t.min_size) for t in tracks if t.block_id == summary.block_id
                ]
                started, cpu_started = time.perf_counter(), time.process_time()
                solved = allocate_by_preferences(order, specs, ratings)
                solver_seconds += time.perf_counter() - started
                solver_cpu += time.process_time() - cpu_started
                assert solved.satisfaction == summary.satisfaction
                baseline = allocate_first_come(order, specs, ratings)
                first_choice = sum(
                    1 for p, t in solved.assignment.items() if ratings[p][t] == max(ratings[p].values())
                )
                first_choice_fcfs = sum(
                    1 for p, t in baseline.assignment.items() if ratings[p][t] == max(ratings[p].values())
                )
                rows.append(
                    (
                        summary.block_id,
                        summary.satisfaction,
                        baseline.satisfaction,
                        summary.best_possible,
                        len(summary.unassigned),
                        len(baseline.unassigned),
                        first_choice,
                        first_choice_fcfs,
                        len(summary.under_minimum),
                    )
                )
                totals["pref"] += summary.satisfaction
                totals["fcfs"] += baseline.satisfaction
                totals["best"] += summary.best_possible
                totals["pref_out"] += len(summary.unassigned)
                totals["fcfs_out"] += len(baseline.unassigned)
        print(common.machine())
        print(
            common.table(
                f"{args.participants} participants x {args.tracks} tracks x {args.blocks} blocks "
                f"({per_track} places per track), seed {args.seed}",
                rows,
                [
                    "block",
                    "satisfaction (min-cost flow)",
                    "satisfaction (first come)",
                    "upper bound",
                    "unassigned (flow)",
                    "unassigned (first come)",
                    "top choice (flow)",
                    "top choice (first come)",
                    "tracks under minimum",
                ],
            )
        )
        ratio = totals["pref"] / totals["fcfs"] if totals["fcfs"] else float("inf")
        print(
            f"registration of {args.participants} through the service: {registering:.2f} s\n"
            f"event_allocate (service, end to end, {args.blocks} blocks): {service_seconds:.2f} s "
            f"(target <= {TARGET_SECONDS:.0f} s), CPU time of this process {service_cpu:.2f} s, "
            f"{statement_count} SQL statements taking {statement_seconds:.2f} s; "
            f"bare solver: {solver_seconds:.2f} s wall, {solver_cpu:.2f} s CPU\n"
            f"total satisfaction: min-cost flow {totals['pref']}, first come {totals['fcfs']} "
            f"(x{ratio:.3f}), upper bound {totals['best']}; unassigned {totals['pref_out']} vs "
            f"{totals['fcfs_out']}"
        )
        ok = service_seconds <= TARGET_SECONDS and totals["pref"] >= totals["fcfs"]
        return 0 if ok else 1
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            common.database_drop(DB)


if __name__ == "__main__":
    sys.exit(main())
