"""Benchmark: scoring and statistics of a September diagnostic campaign.

Seeds its own ``bench_diag_scoring_<pid>`` database: a centre and three schools, a codifier of
10 topics, 30 auto-scored items (single, multiple, short, numeric; one or two topics
each), a fixed-form campaign and 2,000 teachers whose attempts and answers are
bulk-inserted (answers from an ability × difficulty model) with their deadlines passed.

Then measures, in this process:

* scoring all 2,000 attempts through the beat job's service
  (``attempts_submit_due``: lock, submit, score every answer with the bank's
  ``score_response``, write the points, the score and the per-topic results),
  target <= 10 s;
* the full item-analysis report (``analysis.compute``: the score matrix from the
  database, Moodle's statistics, option shares), target <= 2 s;
* a teacher's per-topic result end to end: ``GET /api/diagnostics/attempts/<id>/result/``
  against ONE uvicorn process (``tutornet.asgi``) on loopback with an API token,
  sequential requests, target p95 <= 50 ms; the trivial tenant endpoint
  (``/healthz`` on the centre's host) in the same run for scale.

Run from the repository root:  .venv/bin/python bench/diagnostics_scoring.py [--teachers 2000]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# This run's own Redis database unless told otherwise (bench/common reads it on import).
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")

from bench import common  # noqa: E402
from bench.diagnostics_common import diagnostics_world  # noqa: E402

DB = f"bench_diag_scoring_{os.getpid()}"
CENTRE_HOST = "centre.localhost"


def seed(teachers: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone
    from django_tenants.utils import tenant_context
    from knox.models import AuthToken

    from tutorials.diagnostics.campaigns import services
    from tutorials.diagnostics.campaigns.models import Answer, Attempt, AttemptItem
    from tutorials.diagnostics.campaigns.services.attempts import attempt_seed
    from tutorials.diagnostics.models import ItemType

    world = diagnostics_world(teachers=teachers, schools=3, items=30, varied=True)
    centre, schools, versions = world.centre, world.schools, world.versions
    method_membership, users = world.method_membership, world.users
    rng = random.Random(7)
    now = timezone.now()
    with tenant_context(centre), transaction.atomic():
        campaign = services.campaign_create(
            membership=method_membership,
            title="Сентябрь",
            academic_year=world.year,
            subject=world.subject,
            opens_at=now - timedelta(hours=3),
            closes_at=now + timedelta(days=1),
            time_limit_minutes=60,
            version_ids=[v.pk for v in versions],
        )
        services.campaign_publish(
            membership=method_membership, campaign_id=campaign.pk, now=now - timedelta(hours=3)
        )
        started = now - timedelta(hours=2)
        attempts = Attempt.objects.bulk_create(
            [
                Attempt(
                    campaign=campaign,
                    teacher_id=u.pk,
                    school_id=schools[i % 3].pk,
                    seed=attempt_seed(campaign.pk, u.pk),
                    started_at=started,
                    deadline=started + timedelta(minutes=60),
                    max_score=sum(v.max_points for v in versions),
                )
                for i, u in enumerate(users)
            ]
        )
        AttemptItem.objects.bulk_create(
            [
                AttemptItem(attempt=a, version=v, position=p, max_points=v.max_points)
                for a in attempts
                for p, v in enumerate(versions, 1)
            ],
            batch_size=5000,
        )
        difficulty = [rng.uniform(-1.5, 1.5) for _ in versions]
        answers = []
        for a in attempts:
            theta = rng.gauss(0, 1)
            for j, v in enumerate(versions):
                right = rng.random() < 1 / (1 + math.exp(-(theta - difficulty[j])))
                kind = v.item.type
                response = {
                    ItemType.SINGLE: {"choice": "a" if right else "b"},
                    ItemType.MULTIPLE: {"choices": ["a", "b"] if right else ["c"]},
                    ItemType.SHORT: {"text": str(j) if right else "x"},
                    ItemType.NUMERIC: {"value": f"{j},5" if right else "0"},
                }[kind]
                answers.append(
                    Answer(attempt=a, version=v, response=response, saved_at=started + timedelta(minutes=5))
                )
        Answer.objects.bulk_create(answers, batch_size=5000)
    token = AuthToken.objects.create(user=users[0])[1]  # hashed: the key is known only now
    return {
        "centre": centre,
        "campaign": campaign,
        "token": token,
        "first_attempt": attempts[0].pk,
        "now": now,
    }


def get(port: int, path: str, headers: dict[str, str]) -> float:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        response.read()
        assert response.status == 200
    return (time.perf_counter() - started) * 1000


def submit_one_by_one(ids: list[int], now: Any) -> None:
    """The per-attempt path, as the beat job ran it before: one transaction per attempt,
    ``_submit`` (lock, submit, ``score_submitted``)."""
    from django.db import transaction

    from tutorials.diagnostics.campaigns.models import Attempt
    from tutorials.diagnostics.campaigns.services.attempts import _submit

    for pk in ids:
        with transaction.atomic():
            attempt = (
                Attempt.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=Attempt.Status.IN_PROGRESS)
                .first()
            )
            assert attempt is not None
            _submit(attempt, now, automatically=True)


def snapshot(ids: list[int]) -> dict[int, Any]:
    from tutorials.diagnostics.campaigns.models import Attempt

    return {
        a.pk: (
            a.status,
            a.score,
            a.submitted_at,
            a.finalised_at,
            sorted((i.position, i.points, i.needs_grading) for i in a.items.all()),
            sorted((r.topic_id, r.earned, r.possible) for r in a.topic_results.all()),
        )
        for a in Attempt.objects.filter(pk__in=ids).prefetch_related("items", "topic_results")
    }


def reset(ids: list[int]) -> None:
    """Put attempts back in progress (bench only), so the batched path scores them again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaigns_topicresult WHERE attempt_id = ANY(%s)", [ids])
        cursor.execute(
            "UPDATE campaigns_attemptitem SET points = NULL, needs_grading = false"
            " WHERE attempt_id = ANY(%s)",
            [ids],
        )
        cursor.execute(
            "UPDATE campaigns_attempt SET status = 'in_progress', submitted_at = NULL, score = NULL,"
            " finalised_at = NULL, submitted_automatically = false WHERE id = ANY(%s)",
            [ids],
        )


def compute_before(campaign: Any) -> dict[str, Any]:
    """The item analysis as it was computed before (Decimal cells through the ORM, the
    matrix filled cell by cell, option shares from every answer's JSON in Python): kept
    here to measure the ratio and to check the new one gives the same report."""
    from collections import defaultdict

    import numpy as np

    from tutorials.diagnostics.campaigns import analysis, item_analysis
    from tutorials.diagnostics.campaigns.models import Answer, Attempt, AttemptItem
    from tutorials.diagnostics.models import CHOICE_TYPES
    from tutorials.diagnostics.scoring import choice_ids
    from tutorials.diagnostics.selectors import versions_by_id

    final = Attempt.objects.filter(campaign_id=campaign.pk, status=Attempt.Status.FINAL)
    rows = list(
        AttemptItem.objects.filter(attempt__in=final)
        .order_by("attempt_id", "position")
        .values_list("attempt_id", "version_id", "position", "points")
    )
    attempt_ids = sorted({row[0] for row in rows})
    first_position: dict[int, int] = {}
    for _attempt, version_id, position, _points in rows:
        first_position[version_id] = min(position, first_position.get(version_id, position))
    version_ids = sorted(first_position, key=lambda v: (first_position[v], v))
    versions = versions_by_id(version_ids)
    column = {v: i for i, v in enumerate(version_ids)}
    row_of = {a: i for i, a in enumerate(attempt_ids)}
    matrix = np.full((len(attempt_ids), len(version_ids)), np.nan)
    slots = np.full((len(attempt_ids), max((r[2] for r in rows), default=0)), np.nan)
    for attempt_id, version_id, position, points in rows:
        value = float(points or 0)
        matrix[row_of[attempt_id], column[version_id]] = value
        slots[row_of[attempt_id], position - 1] = value
    choice_versions = {pk: v for pk, v in versions.items() if v.item.type in CHOICE_TYPES}
    shown: dict[int, set[int]] = defaultdict(set)
    for attempt_id, version_id in AttemptItem.objects.filter(
        attempt__in=final, version_id__in=choice_versions
    ).values_list("attempt_id", "version_id"):
        shown[version_id].add(attempt_id)
    chosen: dict[int, dict[int, list[str]]] = defaultdict(dict)
    for attempt_id, version_id, response in Answer.objects.filter(
        attempt__in=final, version_id__in=choice_versions
    ).values_list("attempt_id", "version_id", "response"):
        picked = response.get("choices") or ([response["choice"]] if response.get("choice") else [])
        chosen[version_id][attempt_id] = [str(c) for c in picked]
    options = {
        pk: item_analysis.option_shares([chosen[pk].get(a, []) for a in sorted(shown[pk])], choice_ids(v))
        for pk, v in choice_versions.items()
    }
    report = item_analysis.analyse(
        matrix,
        [float(versions[v].max_points) for v in version_ids],
        keys=version_ids,
        slots=slots,
        options=options,
    )
    return analysis._as_data(report, versions)


def timed(call: Any, runs: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        value = call()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2], value


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--before-sample",
        type=int,
        default=200,
        help="attempts scored first by the per-attempt path (the ratio, and the check that both agree)",
    )
    args = parser.parse_args()
    common.database_create(DB)
    processes = []
    try:
        env = common.django_setup(DB)
        common.migrate_shared()
        t0 = time.perf_counter()
        world = seed(args.teachers)
        print(f"seeded {args.teachers} attempts x 30 items in {time.perf_counter() - t0:.1f} s", flush=True)
        from django_tenants.utils import tenant_context

        from tutorials.diagnostics.campaigns import selectors
        from tutorials.diagnostics.campaigns.analysis import compute
        from tutorials.diagnostics.campaigns.models import Attempt
        from tutorials.diagnostics.campaigns.services.attempts import attempts_submit_due

        with tenant_context(world["centre"]):
            now = world["now"]
            ids = list(Attempt.objects.order_by("pk").values_list("pk", flat=True))
            sample = ids[: args.before_sample]
            t0 = time.perf_counter()
            submit_one_by_one(sample, now)
            one_by_one = time.perf_counter() - t0
            before_results = snapshot(sample)
            reset(sample)
            load_scoring = common.machine()
            t0 = time.perf_counter()
            scored = attempts_submit_due(now=now, batch=args.teachers)
            scoring = time.perf_counter() - t0
            assert scored == args.teachers, scored
            assert Attempt.objects.filter(status=Attempt.Status.FINAL).count() == args.teachers
            same = snapshot(sample) == before_results
            per_attempt_extrapolated = one_by_one / len(sample) * args.teachers
            analysis_new, report = timed(lambda: compute(world["campaign"]), 5)
            analysis_old, report_old = timed(lambda: compute_before(world["campaign"]), 3)
            same_report = report == report_old
            assert report["test"]["n"] == args.teachers
            attempt = Attempt.objects.select_related("campaign").get(pk=world["first_attempt"])

            def result_before() -> Any:
                return selectors.topic_lines(attempt), selectors.deficits_for(
                    attempt.teacher_id, attempt.campaign
                )

            selector_old, old_result = timed(result_before, 51)
            selector_new, new_result = timed(lambda: selectors.result_of(attempt), 51)
            same_result = old_result == new_result
        process, port = common.start_uvicorn("tutornet.asgi:application", env)
        processes.append(process)
        headers = {"Host": CENTRE_HOST, "Authorization": f"Token {world['token']}"}
        result_path = f"/api/diagnostics/attempts/{world['first_attempt']}/result/"
        for _ in range(20):
            get(port, result_path, headers)
            get(port, "/healthz", {"Host": CENTRE_HOST})
        result_ms, health_ms = [], []
        for _ in range(args.requests):
            result_ms.append(get(port, result_path, headers))
            health_ms.append(get(port, "/healthz", {"Host": CENTRE_HOST}))
        result_p95 = common.percentile(result_ms, 95)
        health_p95 = common.percentile(health_ms, 95)
        print("before scoring:", load_scoring)
        print("at the end:", common.machine())
        print(
            common.table(
                "Diagnostics: scoring and statistics",
                [
                    [
                        f"score {args.teachers} attempts x 30 items, batched (beat job's service)",
                        f"{scoring:.2f} s",
                        "<= 10 s",
                    ],
                    [
                        f"per-attempt path, {len(sample)} attempts (x{args.teachers / len(sample):g})",
                        f"{one_by_one:.2f} s (~{per_attempt_extrapolated:.1f} s)",
                        f"ratio {scoring / per_attempt_extrapolated:.3f}",
                    ],
                    ["both paths give the same points, scores, topic results", "yes" if same else "NO", ""],
                    ["item-analysis report, new (median of 5)", f"{analysis_new:.3f} s", "<= 2 s"],
                    [
                        "item-analysis report, before (median of 3)",
                        f"{analysis_old:.3f} s",
                        f"ratio {analysis_new / analysis_old:.3f}",
                    ],
                    ["both reports identical", "yes" if same_report else "NO", ""],
                    [
                        "result selectors in process, new / before (median of 51)",
                        f"{selector_new * 1000:.1f} / {selector_old * 1000:.1f} ms",
                        f"same: {'yes' if same_result else 'NO'}",
                    ],
                    [
                        "per-topic result, GET end to end, p50",
                        f"{common.percentile(result_ms, 50):.1f} ms",
                        "",
                    ],
                    ["per-topic result, GET end to end, p95", f"{result_p95:.1f} ms", "<= 50 ms"],
                    [
                        "trivial tenant endpoint /healthz, p95 (same run)",
                        f"{health_p95:.1f} ms",
                        f"ratio {result_p95 / health_p95:.2f}",
                    ],
                ],
                ["what", "measured", "target"],
            )
        )
        print(f"Cronbach's alpha of the generated test: {report['test']['cic']:.1f} %")
        met = scoring <= 10 and analysis_new <= 2 and result_p95 <= 50
        return 0 if met and same and same_report and same_result else 1
    finally:
        common.stop(processes)
        common.database_drop(DB)


if __name__ == "__main__":
    raise SystemExit(main())
