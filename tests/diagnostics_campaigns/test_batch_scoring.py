"""The batched scoring path (the beat job at a campaign's deadline) gives exactly what the
per-attempt path (a teacher's own submission) gives, on a generated set of answers."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from tests.conftest import member
from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.models import Attempt, Campaign, TopicResult
from tutorials.diagnostics.campaigns.services import batch
from tutorials.diagnostics.models import ItemType

from .helpers import Cast, make_items

# Every kind of answer the bank scores differently: right, wrong, partial, normalised, empty.
VARIANTS: dict[str, list[dict[str, Any]]] = {
    ItemType.SINGLE: [{"choice": "b"}, {"choice": "a"}, {}],
    ItemType.MULTIPLE: [
        {"choices": ["a", "b"]},
        {"choices": ["a"]},
        {"choices": ["a", "c"]},
        {"choices": ["a", "b", "c"]},
        {"choices": ["c"]},
        {},
    ],
    ItemType.SHORT: [{"text": " 3 "}, {"text": "4"}, {"text": "З"}, {}],
    ItemType.NUMERIC: [{"value": "3,5"}, {"value": "3.5"}, {"value": "−3,5"}, {"value": "3.49"}, {}],
    ItemType.EXTENDED: [{"text": "Парабола"}, {"text": "   "}, {}, {}, {}],
}


def _snapshot(campaign: Campaign) -> dict[int, Any]:
    found = {}
    for attempt in Attempt.objects.filter(campaign=campaign).prefetch_related("items", "topic_results"):
        found[attempt.teacher_id] = (
            attempt.status,
            attempt.score,
            attempt.submitted_at,
            attempt.submitted_automatically,
            attempt.finalised_at,
            [(i.position, i.version_id, i.points, i.needs_grading) for i in attempt.items.all()],
            sorted((r.topic_id, r.earned, r.possible) for r in attempt.topic_results.all()),
        )
    return found


def _campaign(cast: Cast, now: Any, title: str) -> Campaign:
    campaign = services.campaign_create(
        membership=cast.methodologist,
        title=title,
        academic_year=cast.year,
        subject=cast.subject,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=2),
        time_limit_minutes=30,
        version_ids=[v.pk for v in cast.versions.values()],
    )
    return services.campaign_publish(membership=cast.methodologist, campaign_id=campaign.pk, now=now)


def test_the_batched_path_scores_exactly_as_the_per_attempt_path(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "CHUNK", 4)  # several chunks, each its own transaction
    make_items(cast)
    now = timezone.now()
    by_hand = _campaign(cast, now, "По одному")
    batched = _campaign(cast, now, "Пачкой")
    teachers = [cast.teacher, cast.teacher2, cast.teacher_b]
    for n in range(9):
        teacher = member(cast.district.school_a if n % 2 else cast.district.school_b, Role.TEACHER)
        teacher.subjects.add(cast.subject)
        teachers.append(teacher)
    rng = random.Random(20260901)
    for teacher in teachers:
        answers = {kind: rng.choice(VARIANTS[kind]) for kind in cast.versions}
        for campaign in (by_hand, batched):
            attempt = services.attempt_start(campaign_id=campaign.pk, membership=teacher, now=now)
            for kind, response in answers.items():
                if response:
                    services.answer_save(
                        attempt_id=attempt.pk,
                        user=teacher.user,
                        version_id=cast.versions[kind].pk,
                        response=response,
                        now=now + timedelta(minutes=1),
                    )
    after = now + timedelta(minutes=31)
    for attempt in Attempt.objects.filter(campaign=by_hand):
        services.attempt_submit(attempt_id=attempt.pk, user=attempt.teacher, now=after)
    assert services.attempts_submit_due(now=after) == len(teachers)
    assert services.attempts_submit_due(now=after) == 0  # idempotent

    expected, got = _snapshot(by_hand), _snapshot(batched)
    assert got == expected
    # The generated set is not degenerate: finals and attempts waiting for a grade,
    # partial credit, and per-topic results.
    statuses = {row[0] for row in got.values()}
    assert statuses == {Attempt.Status.FINAL, Attempt.Status.SUBMITTED}
    points = {p for row in got.values() for (_pos, _v, p, _g) in row[5]}
    assert Decimal("1.00") in points and Decimal("0.00") in points and None in points
    assert TopicResult.objects.filter(attempt__campaign=batched).count() > len(teachers)
    assert all(row[3] for row in got.values())  # submitted automatically, at the deadline


def test_the_batch_skips_an_attempt_no_longer_in_progress(cast: Cast) -> None:
    make_items(cast)
    now = timezone.now()
    campaign = _campaign(cast, now, "Один")
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher, now=now)
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"), now=now + timedelta(minutes=1))
    before = _snapshot(campaign)
    assert batch.submit_due_chunk([attempt.pk], now=now + timedelta(hours=1)) == []
    assert _snapshot(campaign) == before
