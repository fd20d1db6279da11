"""«Отметить как проведённую»: what a tutor waits for after pressing «Сохранить».

One command: ``.venv/bin/python bench/mark_held.py`` (a throwaway ``bench_mark_held`` database;
``BENCH_REDIS_URL`` picks the Redis database it flushes).

A centre, a tutor with ``--bookings`` consultations in one past week (each a teacher of a school,
with a question), booked through the services.  Each round marks every consultation, alternating
held / did not come, two ways, interleaved so both are measured in the same run on the same
(shared) machine:

* **reload**: the form posted as a plain form (no JavaScript): ``POST .../mark/`` → 302 → the
  tutor's whole week (``/consultations/calendar/?week=...``) rendered again;
* **in place**: the same form posted by ``static/js/consultations_mark.js`` (``Accept:
  application/json``): the server answers with the booking's new state and the page updates its
  one row; nothing else is rendered.

It also times the week page alone and counts its statements.  Figures are medians over rounds
(Django's test client, in-process: server time, without the browser's own work).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common  # noqa: E402

DB = "bench_mark_held"


def _world(bookings: int) -> tuple[Any, Any, list[Any], str]:
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from accounts.models import Membership, Role, User
    from tenants.models import Subject
    from tenants.services import organisation_create
    from tests.consultations.factories import OfferingFactory, SlotFactory, book_slot

    centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
    school, _ = organisation_create(
        kind="school", name="Школа № 1", short_name="Школа № 1", subdomain="school1", centre=centre
    )
    tutor = User.objects.create(email="tutor@example.org", first_name="Анна", last_name="Тьюторова")
    Membership.objects.create(user=tutor, organisation=centre, role=Role.TUTOR)
    subject = Subject.objects.create(name="Математика", name_en="Mathematics")
    zone = centre.zone
    today = timezone.localtime(timezone.now(), zone).date()
    monday = today - timedelta(days=today.weekday() + 7)
    booked = []
    with tenant_context(centre):
        offering = OfferingFactory(tutor=tutor, subject=subject, min_notice_hours=0)
        for index in range(bookings):
            teacher = User.objects.create(
                email=f"teacher{index}@example.org", first_name="Учитель", last_name=f"Номер {index}"
            )
            Membership.objects.create(user=teacher, organisation=school, role=Role.TEACHER)
            day = monday + timedelta(days=index % 5)
            starts = datetime(day.year, day.month, day.day, 9 + index // 5, 0, tzinfo=zone)
            slot = SlotFactory(offering=offering, starts_at=starts)
            booked.append(
                book_slot(
                    slot=slot,
                    teacher=teacher,
                    question=f"Как разобрать задание {index + 1} с классом? " * 3,
                    now=starts - timedelta(days=3),
                )
            )
    return centre, tutor, booked, monday.isoformat()


def _measure(rounds: int, bookings: int, profile: bool = False) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    centre, tutor, booked, week = _world(bookings)
    host = centre.domains.get(is_primary=True).domain
    client = Client(HTTP_HOST=host)
    client.force_login(tutor)
    client.get(f"/consultations/calendar/?week={week}")  # warm: templates, caches
    times: dict[str, list[float]] = {"reload": [], "in place": [], "week page": []}
    statements: dict[str, int] = {}
    for round_number in range(rounds):
        status = "held" if round_number % 2 == 0 else "no_show"
        for index, booking in enumerate(booked):
            data = {
                f"m{booking.pk}-status": status,
                f"m{booking.pk}-outcome_note": f"Разобрали, круг {round_number}",
            }
            url = f"/consultations/bookings/{booking.pk}/mark/"
            way = "reload" if (index + round_number) % 2 == 0 else "in place"
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                if way == "reload":
                    response = client.post(url, data)
                    assert response.status_code == 302, response.status_code
                    page = client.get(response["Location"])
                    assert page.status_code == 200
                else:
                    response = client.post(url, data, HTTP_ACCEPT="application/json")
                    assert response.status_code in (200, 302), response.status_code
                    if response.status_code == 302:  # before the in-place answer existed
                        client.get(response["Location"])
                times[way].append(time.perf_counter() - started)
            statements[way] = len(queries.captured_queries)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            client.get(f"/consultations/calendar/?week={week}")
            times["week page"].append(time.perf_counter() - started)
        statements["week page"] = len(queries.captured_queries)
    if profile:
        import cProfile
        import pstats

        for label, call in (
            ("week page", lambda: client.get(f"/consultations/calendar/?week={week}")),
            ("mark in place", lambda: client.post(
                f"/consultations/bookings/{booked[0].pk}/mark/",
                {f"m{booked[0].pk}-status": "held"}, HTTP_ACCEPT="application/json",
            )),
        ):  # fmt: skip
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5):
                call()
            profiler.disable()
            print(f"--- profile: {label} (5 requests), by cumulative time")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return {
        "median": {way: statistics.median(values) for way, values in times.items()},
        "p90": {way: common.percentile(values, 90) for way, values in times.items()},
        "statements": statements,
        "samples": {way: len(values) for way, values in times.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--bookings", type=int, default=8)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top functions")
    args = parser.parse_args()
    common.database_create(DB)
    try:
        common.django_setup(DB, DEBUG="0")
        common.flush_redis()
        common.migrate_shared()
        result = _measure(args.rounds, args.bookings, args.profile)
    finally:
        from django.db import connections

        connections.close_all()
        common.database_drop(DB)
    base = result["median"]["reload"]
    print(common.machine())
    print(f"{'way':12} {'median ms':>10} {'p90 ms':>8} {'ratio':>6} {'statements':>11} {'samples':>8}")
    for way in ("reload", "in place", "week page"):
        print(
            f"{way:12} {result['median'][way] * 1000:10.1f} {result['p90'][way] * 1000:8.1f}"
            f" {result['median'][way] / base:6.2f} {result['statements'][way]:11d}"
            f" {result['samples'][way]:8d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
