"""Benchmark: proposed routes for a whole district (``tutorials.routes.proposing.propose_for``).

Seeds its own ``bench_routes_proposals_<pid>`` database (dropped at the end), in bulk
(``bulk_create`` and one ``UPDATE``, not the per-row services): a centre, 6 schools, a
codifier of 40 topics, 500 published tutorials still to come (each on 1-2 topics), 20,000
published case materials (each on 1-2 topics), 5 consultation offerings of the subject, and
three closed campaigns of 500, 1,000 and 2,000 different teachers with final results: each
teacher below the threshold on 10 topics (the common topics more often), so 10 deficits each.

Measures, in this process, the real code path a methodologist's «propose for all» runs:
``propose_for`` over every teacher of the campaign (set-based reads, then one transaction per
500 teachers writing the draft routes and one proposed task per deficit with its why and ranked
offers in bulk), once per campaign (it writes), with its statement count, the time spent in
statements and the slowest ones.  Target (issue 12): 2,000 teachers x 10 deficits <= 30 s,
the per-teacher cost flat from 500 to 2,000.

Run from the repository root:  .venv/bin/python bench/routes_proposals.py [--sizes 500,1000,2000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.routes_common import closed_campaign_with_results  # noqa: E402

DB = f"bench_routes_proposals_{os.getpid()}"
SIZES = (500, 1000, 2000)
TOPICS = 40
DEFICITS = 10
SCHOOLS = 6
TUTORIALS = 500
MATERIALS = 20_000


def seed(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from accounts.models import Membership, Role, User
    from casebank.models import Material, MaterialVersion
    from codifier.models import Codifier, Exam, Topic
    from consultations.models import Offering
    from tenants.models import AcademicYear, Subject
    from tenants.services import organisation_create
    from tutorials.models import Tutorial

    centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
    # Schools without schemas: a route needs only the teacher's school membership.
    schools = common.schools_without_schemas(centre, SCHOOLS)
    subject = Subject.objects.create(name="Математика", code="math")
    year = AcademicYear.objects.create(name="2026/2027", starts_on="2026-09-01", ends_on="2027-08-31")
    methodologist = User.objects.create(
        email="method@centre.bench", last_name="Методистова", first_name="Анна"
    )
    Membership.objects.create(user=methodologist, organisation=centre, role=Role.METHODOLOGIST)
    users = User.objects.bulk_create(
        [
            User(email=f"t{i}@school.bench", last_name="Учителев", first_name=f"У{i}")
            for i in range(sum(sizes))
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, organisation=schools[i % SCHOOLS], role=Role.TEACHER)
            for i, u in enumerate(users)
        ]
    )
    tutors = User.objects.bulk_create(
        [User(email=f"tutor{i}@school.bench", last_name="Тьюторов", first_name=f"Т{i}") for i in range(5)]
    )
    rng = random.Random(12)
    now = timezone.now()
    campaigns = {}
    with tenant_context(centre), transaction.atomic():
        codifier = Codifier.objects.create(subject=subject, exam=Exam.OGE, academic_year=year, title="КЭС")
        topics = Topic.objects.bulk_create(
            [
                Topic(codifier=codifier, code=f"{i // 8 + 1}.{i % 8 + 1}", title=f"Тема {i + 1}", position=i)
                for i in range(TOPICS)
            ]
        )
        tutorials = Tutorial.objects.bulk_create(
            [
                Tutorial(
                    title=f"Семинар {i}",
                    capacity=30,
                    registration_closes_at=now + timedelta(days=10 + i % 60),
                    status=Tutorial.Status.PUBLISHED,
                    created_by=methodologist,
                    published_at=now,
                    starts_at=now + timedelta(days=11 + i % 60),
                    ends_at=now + timedelta(days=11 + i % 60, hours=2),
                )
                for i in range(TUTORIALS)
            ]
        )
        Tutorial.topics.through.objects.bulk_create(
            [
                Tutorial.topics.through(tutorial_id=t.pk, topic_id=topic.pk)
                for t in tutorials
                for topic in rng.sample(topics, rng.choice([1, 2]))
            ]
        )
        materials = Material.objects.bulk_create(
            [Material(title=f"Кейс {i}", created_by=methodologist) for i in range(MATERIALS)],
            batch_size=5000,
        )
        MaterialVersion.objects.bulk_create(
            [
                MaterialVersion(material=m, number=1, title=m.title, created_by=methodologist)
                for m in materials
            ],
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE casebank_material m SET current_version_id = v.id, status = 'published', "
                "published_at = now() - (m.id % 365) * interval '1 day' "
                "FROM casebank_materialversion v WHERE v.material_id = m.id"
            )
        Material.codifier_topics.through.objects.bulk_create(
            [
                Material.codifier_topics.through(material_id=m.pk, topic_id=topic.pk)
                for m in materials
                for topic in rng.sample(topics, rng.choice([1, 2]))
            ],
            batch_size=5000,
        )
        Offering.objects.bulk_create(
            [Offering(tutor=t, subject=subject, topic=f"Тема {i + 1}") for i, t in enumerate(tutors)]
        )
        first = 0
        for size in sizes:
            campaign = closed_campaign_with_results(
                title=f"Сентябрь {size}",
                year=year,
                subject=subject,
                author=methodologist,
                teachers=users[first : first + size],
                school_of=lambda i, first=first: schools[(first + i) % SCHOOLS].pk,
                topics=topics,
                deficits=DEFICITS,
                rng=rng,
                now=now,
            )
            first += size
            campaigns[size] = campaign
    return {"centre": centre, "campaigns": campaigns, "methodologist": methodologist}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="campaign sizes (teachers)")
    sizes = tuple(int(n) for n in parser.parse_args().sizes.split(","))
    common.database_create(DB)
    try:
        common.django_setup(DB)
        common.migrate_shared()
        t0 = time.perf_counter()
        world = seed(sizes)
        print(
            f"seeded {sum(sizes)} final results x {TOPICS} topics, {TUTORIALS} tutorials, "
            f"{MATERIALS} case materials in {time.perf_counter() - t0:.1f} s"
        )
        from django.db import connection
        from django_tenants.utils import tenant_context

        from accounts.models import User
        from tutorials.diagnostics.campaigns.models import Attempt
        from tutorials.routes.models import PlanItem, Route
        from tutorials.routes.proposing import propose_for

        common.count_statements()
        rows = []
        with tenant_context(world["centre"]):
            for size, campaign in world["campaigns"].items():
                # A fresh actor each run: its memberships are read once, as in one request.
                actor = User.objects.get(pk=world["methodologist"].pk)
                teacher_ids = list(
                    Attempt.objects.filter(campaign=campaign).values_list("teacher_id", flat=True)
                )
                loads = os.getloadavg()
                before = common.STATEMENTS["total"]
                timed: list[tuple[float, str]] = []

                def timer(
                    execute: Any, sql: str, params: Any, many: bool, context: Any, timed: list = timed
                ) -> Any:
                    start = time.perf_counter()
                    try:
                        return execute(sql, params, many, context)
                    finally:
                        timed.append((time.perf_counter() - start, sql[:90]))

                t0, cpu0 = time.perf_counter(), time.process_time()
                with connection.execute_wrapper(timer):
                    outcomes = propose_for(actor=actor, campaign_id=campaign.pk, teacher_ids=teacher_ids)
                elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
                in_sql = sum(t for t, _sql in timed)
                print(f"{size}: {in_sql:.1f} s of {elapsed:.1f} s waiting on statements; the slowest:")
                for seconds, sql in sorted(timed, reverse=True)[:6]:
                    print(f"  {seconds * 1000:8.1f} ms  {sql}")
                statements = common.STATEMENTS["total"] - before
                refused = [o for o in outcomes if o.refused]
                routes = Route.objects.filter(campaign_id=campaign.pk).count()
                items = PlanItem.objects.filter(route__campaign_id=campaign.pk).count()
                assert not refused and routes == size and items == size * DEFICITS, (
                    refused[:1],
                    routes,
                    items,
                )
                rows.append(
                    [
                        f"{size} teachers x {DEFICITS} deficits",
                        f"{elapsed:.1f} s",
                        f"{cpu:.1f} s",
                        f"{elapsed * 1000 / size:.1f} ms",
                        statements,
                        f"{statements / size:.1f}",
                        f"{routes} routes, {items} tasks",
                        f"{loads[0]:.1f}",
                        "<= 30 s" if size == 2000 else "",
                    ]
                )
        print(common.machine())
        print(
            common.table(
                "Routes: proposals for a whole campaign (propose_for, once per campaign)",
                rows,
                [
                    "what",
                    "time",
                    "CPU of this process",
                    "per teacher",
                    "statements",
                    "per teacher",
                    "written",
                    "load (1 min)",
                    "target",
                ],
            )
        )
        return 0
    finally:
        common.database_drop(DB)


if __name__ == "__main__":
    raise SystemExit(main())
