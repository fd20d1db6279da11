"""Benchmark: the district picture (issue 13) at district scale.

Seeds its own ``bench_district_<pid>`` database: a centre and ``--schools`` schools, a
codifier of ``--topics`` topics for each of each of ``--years`` academic years (each year's topics
continue the year before's through ``TopicMapping``), a September campaign of one subject in
each, and ``--teachers`` teachers with a final result on every topic in every one (bulk-inserted
``Attempt``/``TopicResult`` rows: scoring itself is measured in bench/diagnostics_scoring.py).

Then measures, in the same run:

* the precomputation of the campaign's picture (``services.snapshot_compute``: heatmap cells
  with the diagnostics' deficits, the paired year over year through the mapping, the routes
  comparison, the support counts), target <= 30 s;
* the raw SQL aggregate it stands on (one ``GROUP BY school, topic`` over the results), for scale;
* the heatmap and the year-over-year pages end to end: sequential ``GET``s of a signed-in
  methodologist against ONE uvicorn process (``tutornet.asgi``) on loopback, p50/p95, target
  p95 <= 150 ms; the trivial tenant endpoint (``/healthz``) in the same run for scale.

Run from the repository root:
    .venv/bin/python bench/district_picture.py \
        [--schools 60 --teachers 2000 --topics 40 --years 3 --port 8130]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import urllib.request
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_district_{os.getpid()}"
CENTRE_HOST = "centre.localhost"


def seed(schools_n: int, teachers: int, topics_n: int, years_n: int = 3) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from accounts.models import Membership, Role, User
    from codifier.models import Codifier, Exam, Topic, TopicMapping
    from tenants.models import AcademicYear, Subject
    from tenants.services import organisation_create
    from tutorials.diagnostics.campaigns import services
    from tutorials.diagnostics.campaigns.models import Attempt, Campaign, TopicResult
    from tutorials.diagnostics.models import ItemType, ItemVersion
    from tutorials.diagnostics.services.items import item_create

    centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
    # The picture reads the schools' ids and names, never their schemas.
    schools = common.schools_without_schemas(centre, schools_n)
    subject = Subject.objects.create(name="Математика", code="math")
    # ``years_n`` Septembers, the last one current: the picture compares it with the one before,
    # the older ones are rows it must skip.
    first = 2027 - years_n
    years = [
        AcademicYear.objects.create(
            name=f"{y}/{y + 1}",
            starts_on=date(y, 9, 1),
            ends_on=date(y + 1, 8, 31),
            is_current=y == 2026,
        )
        for y in range(first, 2027)
    ]
    methodologist = User.objects.create(
        email="method@centre.bench", last_name="Методистова", first_name="Анна"
    )
    method_membership = Membership.objects.create(
        user=methodologist, organisation=centre, role=Role.METHODOLOGIST
    )
    users = User.objects.bulk_create(
        [User(email=f"t{i}@school.bench", last_name="Учителев", first_name=f"У{i}") for i in range(teachers)]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, organisation=schools[i % schools_n], role=Role.TEACHER)
            for i, u in enumerate(users)
        ]
    )
    rng = random.Random(13)
    campaigns = []
    with tenant_context(centre), transaction.atomic():
        topic_sets = []
        for year in years:
            codifier = Codifier.objects.create(
                subject=subject, exam=Exam.OGE, academic_year=year, title=year.name
            )
            topic_sets.append(
                Topic.objects.bulk_create(
                    [
                        Topic(
                            codifier=codifier,
                            code=f"{i // 5 + 1}.{i % 5 + 1}",
                            title=f"Тема {i + 1}",
                            position=i,
                        )
                        for i in range(topics_n)
                    ]
                )
            )
        TopicMapping.objects.bulk_create(
            [
                TopicMapping(old=o, new=n)
                for older, newer in zip(topic_sets, topic_sets[1:], strict=False)
                for o, n in zip(older, newer, strict=True)
            ]
        )
        for k, year in enumerate(years):
            item = item_create(
                subject=subject,
                type=ItemType.SHORT,
                text=f"Задание {k}",
                body={"answers": ["1"]},
                topics=[topic_sets[k][0]],
                actor=methodologist,
                name=f"Задание {k}",
            )
            version = ItemVersion.objects.get(item=item, number=1)
            opens = timezone.make_aware(datetime(year.starts_on.year, 9, 5, 9))
            campaign = services.campaign_create(
                membership=method_membership,
                title=f"Сентябрь {year.name}",
                academic_year=year,
                subject=subject,
                opens_at=opens,
                closes_at=opens + timedelta(days=14),
                time_limit_minutes=60,
                version_ids=[version.pk],
            )
            Campaign.objects.filter(pk=campaign.pk).update(published_at=opens)
            attempts = Attempt.objects.bulk_create(
                [
                    Attempt(
                        campaign=campaign,
                        teacher_id=u.pk,
                        school_id=schools[i % schools_n].pk,
                        seed=i,
                        started_at=opens,
                        deadline=opens + timedelta(hours=1),
                        status=Attempt.Status.FINAL,
                        submitted_at=opens + timedelta(minutes=40),
                        finalised_at=opens + timedelta(minutes=40),
                        score=0,
                        max_score=topics_n * 2,
                    )
                    for i, u in enumerate(users)
                ],
                batch_size=2000,
            )
            shift = 0.15 * k
            TopicResult.objects.bulk_create(
                [
                    TopicResult(
                        attempt=a,
                        topic=t,
                        earned=Decimal(min(2, max(0, round(rng.gauss(1 + shift, 0.7))))),
                        possible=Decimal(2),
                    )
                    for a in attempts
                    for t in topic_sets[k]
                ],
                batch_size=10000,
            )
            campaigns.append(campaign)
    return {"centre": centre, "campaign": campaigns[-1], "methodologist": methodologist}


def session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"  # Axes' backend only guards
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def get(port: int, path: str, headers: dict[str, str]) -> float:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        body = response.read()
        assert response.status == 200, response.status
        assert b"<html" in body[:200].lower() or path == "/healthz"
    return (time.perf_counter() - started) * 1000


def raw_aggregate(campaign_id: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.school_id, r.topic_id, count(*), avg(r.earned * 100 / r.possible)
               FROM campaigns_topicresult r JOIN campaigns_attempt a ON a.id = r.attempt_id
               WHERE a.campaign_id = %s AND a.status = 'final' GROUP BY 1, 2""",
            [campaign_id],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--topics", type=int, default=40)
    parser.add_argument("--years", type=int, default=3, help="Septembers seeded, the last one current")
    parser.add_argument("--port", type=int, default=0, help="the uvicorn port (0: any free one)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    common.database_create(DB)
    processes = []
    try:
        env = common.django_setup(DB)
        common.migrate_shared()
        t0 = time.perf_counter()
        world = seed(args.schools, args.teachers, args.topics, args.years)
        seeded = time.perf_counter() - t0
        print(
            f"seeded {args.schools} schools, {args.teachers} teachers x {args.topics} topics"
            f" x {args.years} years"
            f" in {seeded:.0f} s"
        )
        from django_tenants.utils import tenant_context

        from tutorials.district.services import snapshot_compute

        with tenant_context(world["centre"]):
            runs = []
            for _ in range(3):
                t0 = time.perf_counter()
                snapshot = snapshot_compute(world["campaign"].pk)
                runs.append(time.perf_counter() - t0)
            assert len(snapshot.data["cells"]) == args.schools * args.topics
            print(f"precompute runs: {', '.join(f'{r:.2f} s' for r in runs)}", flush=True)
            raw = sorted(raw_aggregate(world["campaign"].pk) for _ in range(5))[2]
            cookie = session_cookie(world["methodologist"])
        process, port = common.start_uvicorn("tutornet.asgi:application", env, port=args.port)
        processes.append(process)
        headers = {"Host": CENTRE_HOST, "Cookie": cookie}
        heat_path = f"/district/{world['campaign'].pk}/?sort=weak-topics"
        yoy_path = f"/district/{world['campaign'].pk}/year-over-year/"
        for _ in range(10):
            get(port, heat_path, headers)
            get(port, yoy_path, headers)
            get(port, "/healthz", {"Host": CENTRE_HOST})
        heat_ms, yoy_ms, health_ms = [], [], []
        for _ in range(args.requests):
            heat_ms.append(get(port, heat_path, headers))
            yoy_ms.append(get(port, yoy_path, headers))
            health_ms.append(get(port, "/healthz", {"Host": CENTRE_HOST}))
        print(common.machine())
        precompute = sorted(runs)[1]
        heat95, yoy95 = common.percentile(heat_ms, 95), common.percentile(yoy_ms, 95)
        print(
            common.table(
                f"District picture: {args.schools} schools x {args.teachers} teachers x {args.topics} topics"
                f" x {args.years} years",
                [
                    ["precompute one campaign's picture (median of 3)", f"{precompute:.2f} s", "<= 30 s"],
                    ["raw SQL aggregate GROUP BY school, topic (median of 5)", f"{raw * 1000:.0f} ms", ""],
                    ["heatmap page, GET end to end, p50", f"{common.percentile(heat_ms, 50):.1f} ms", ""],
                    ["heatmap page, GET end to end, p95", f"{heat95:.1f} ms", "<= 150 ms"],
                    [
                        "year-over-year page, GET end to end, p50",
                        f"{common.percentile(yoy_ms, 50):.1f} ms",
                        "",
                    ],
                    ["year-over-year page, GET end to end, p95", f"{yoy95:.1f} ms", "<= 150 ms"],
                    [
                        "trivial tenant endpoint /healthz, p95",
                        f"{common.percentile(health_ms, 95):.1f} ms",
                        "",
                    ],
                ],
                ["measure", "value", "target"],
            )
        )
        return 0 if precompute <= 30 and heat95 <= 150 and yoy95 <= 150 else 1
    finally:
        common.stop(processes)
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            common.database_drop(DB)


if __name__ == "__main__":
    sys.exit(main())
