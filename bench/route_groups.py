"""Benchmark: the group-route builder (``tutorials.routes.group_builder.candidates``).

Seeds its own ``bench_route_groups`` database: a centre, a codifier of 20 topics and three
closed campaigns of 500, 1,000 and 2,000 teachers (from 6 schools) with final results
bulk-inserted: each teacher below the threshold on 10 of the 20 topics (the common
topics more often, as a district's real results are), so every teacher has 10 deficits.

Measures, in this process, the builder over each campaign (the diagnostics selector
``deficits_in_campaign`` included: it is the builder's read), k = 1 and k = 2, median of 5,
with its statement count.  Target (issue 12): 2,000 teachers <= 2 s.

Run from the repository root:  .venv/bin/python bench/route_groups.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.routes_common import closed_campaign_with_results  # noqa: E402

DB = "bench_route_groups"
SIZES = (500, 1000, 2000)
TOPICS = 20
DEFICITS = 10
SCHOOLS = 6


def seed() -> dict[str, Any]:
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from codifier.models import Codifier, Exam, Topic
    from tenants.models import AcademicYear, Subject
    from tenants.services import organisation_create

    centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
    subject = Subject.objects.create(name="Математика", code="math")
    year = AcademicYear.objects.create(name="2026/2027", starts_on="2026-09-01", ends_on="2027-08-31")
    author = User.objects.create(email="method@centre.bench", last_name="Методистова", first_name="Анна")
    users = User.objects.bulk_create(
        [
            User(email=f"t{i}@school.bench", last_name="Учителев", first_name=f"У{i}")
            for i in range(max(SIZES))
        ]
    )
    rng = random.Random(12)
    now = timezone.now()
    campaigns = {}
    with tenant_context(centre):
        codifier = Codifier.objects.create(subject=subject, exam=Exam.OGE, academic_year=year, title="КЭС")
        topics = [
            Topic.objects.create(codifier=codifier, code=f"{i + 1}.1", title=f"Тема {i + 1}", position=i)
            for i in range(TOPICS)
        ]
        for size in SIZES:
            campaign = closed_campaign_with_results(
                title=f"Сентябрь {size}",
                year=year,
                subject=subject,
                author=author,
                teachers=users[:size],
                school_of=lambda i: 1000 + i % SCHOOLS,
                topics=topics,
                deficits=DEFICITS,
                rng=rng,
                now=now,
            )
            campaigns[size] = campaign
    return {"centre": centre, "campaigns": campaigns}


def main() -> int:
    common.database_create(DB)
    try:
        common.django_setup(DB)
        common.migrate_shared()
        t0 = time.perf_counter()
        world = seed()
        print(f"seeded {sum(SIZES)} final results x {TOPICS} topics in {time.perf_counter() - t0:.1f} s")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django_tenants.utils import tenant_context

        from tutorials.diagnostics.campaigns.selectors import deficits_in_campaign
        from tutorials.routes.group_builder import candidates

        rows = []
        with tenant_context(world["centre"]):
            for size, campaign in world["campaigns"].items():
                for k in (1, 2):
                    candidates(campaign, k=k)  # warm
                    runs = []
                    for _ in range(5):
                        t0 = time.perf_counter()
                        found = candidates(campaign, k=k)
                        runs.append(time.perf_counter() - t0)
                    with CaptureQueriesContext(connection) as queries:
                        candidates(campaign, k=k)
                    median = sorted(runs)[2]
                    reads = []
                    for _ in range(3):
                        t0 = time.perf_counter()
                        deficits_in_campaign(campaign)
                        reads.append(time.perf_counter() - t0)
                    rows.append(
                        [
                            f"{size} teachers x {DEFICITS} deficits, k = {k}",
                            f"{median * 1000:.0f} ms",
                            f"{median * 1e6 / size:.0f} µs",
                            f"{sorted(reads)[1] * 1000:.0f} ms",
                            len(queries),
                            f"{len(found)} groups, largest {len(found[0].teacher_ids)}",
                            "<= 2 s" if size == max(SIZES) else "",
                        ]
                    )
        print(common.machine())
        print(
            common.table(
                "Routes: the group builder (median of 5)",
                rows,
                ["what", "builder", "per teacher", "of which the selector", "statements", "found", "target"],
            )
        )
        return 0
    finally:
        common.database_drop(DB)


if __name__ == "__main__":
    raise SystemExit(main())
