"""Submitting and scoring many attempts at once: the deadline of a whole campaign.

The per-attempt path (:func:`.grading.score_submitted`, used when a teacher submits)
takes about six statements per attempt and one transaction each; at a campaign's
close the beat job finds thousands of attempts due together.  This path does the
same work per *chunk* of attempts, in one transaction:

1. lock the chunk's attempts still in progress (``FOR UPDATE SKIP LOCKED``: one a
   teacher is submitting right now is left to them, exactly as before);
2. mark them submitted (``submitted_at = least(now, deadline)``) in one UPDATE;
3. load their items, their answers and the item versions once, and score each
   distinct (version, response) once with the bank's ``score_response`` — the same
   function and the same rules as the per-attempt path;
4. write every item's points in one ``UPDATE ... FROM unnest(...)``, the finished
   attempts' scores in another, and their per-topic results with one
   ``bulk_create``.

The results are identical to the per-attempt path's (a test compares them on a
generated set): points per item, needs-grading, the score, the status and
``TopicResult`` per topic.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Least

from tutorials.diagnostics.models import ItemVersion
from tutorials.diagnostics.scoring import score_response
from tutornet.tenancy import on_commit_in_this_schema

from ..models import Answer, Attempt, AttemptItem, TopicResult

ZERO = Decimal("0.00")

#: Attempts per transaction: a few thousand rows written per statement, locks held briefly.
CHUNK = 500


def item_points(
    version: ItemVersion, response: dict[str, Any] | None, max_points: Decimal
) -> tuple[Decimal | None, bool]:
    """(points, needs grading) for one shown item: the rule both paths share."""
    points = score_response(version, response or {})
    if points is None:
        if response and str(response.get("text", "")).strip():
            return None, True
        return ZERO, False
    return min(points, max_points), False


def topic_totals(
    items: Iterable[tuple[int, Decimal | None, Decimal]], topics_of: dict[int, list[int]]
) -> list[tuple[int, Decimal, Decimal]]:
    """(topic id, earned, possible) over (version id, points, max points) of one attempt,
    sorted by topic id, topics with nothing possible left out (both paths share it)."""
    earned: dict[int, Decimal] = defaultdict(lambda: ZERO)
    possible: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for version_id, points, max_points in items:
        for topic_id in topics_of.get(version_id, []):
            earned[topic_id] += points or ZERO
            possible[topic_id] += max_points
    return [(t, earned[t], possible[t]) for t in sorted(possible) if possible[t] > 0]


def topics_of_versions(version_ids: Iterable[int]) -> dict[int, list[int]]:
    through = ItemVersion.topics.through
    found: dict[int, list[int]] = defaultdict(list)
    for version_id, topic_id in through.objects.filter(itemversion_id__in=set(version_ids)).values_list(
        "itemversion_id", "topic_id"
    ):
        found[version_id].append(topic_id)
    return found


def submit_due_chunk(attempt_ids: Sequence[int], *, now: datetime) -> list[int]:
    """Submit automatically (and score) the chunk's attempts still in progress and past
    their deadline, in one transaction.  Returns the ids submitted (others are skipped:
    locked by their teacher's own submission, or no longer in progress)."""
    with transaction.atomic():
        locked = list(
            Attempt.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(attempt_ids), status=Attempt.Status.IN_PROGRESS, deadline__lte=now)
            .values_list("pk", "campaign_id")
        )
        if not locked:
            return []
        ids = [pk for pk, _campaign in locked]
        Attempt.objects.filter(pk__in=ids).update(
            status=Attempt.Status.SUBMITTED,
            submitted_at=Least(Value(now), F("deadline")),
            submitted_automatically=True,
        )
        score_many(ids, now=now)
        for campaign_id in sorted({campaign for _pk, campaign in locked}):
            on_commit_in_this_schema(functools.partial(_analysis_stale, campaign_id))
    return ids


def score_many(attempt_ids: Sequence[int], *, now: datetime) -> None:
    """Score just-submitted attempts (in the caller's transaction, under their locks);
    those with nothing left to grade become final with their per-topic results."""
    items = list(
        AttemptItem.objects.filter(attempt_id__in=attempt_ids)
        .order_by("attempt_id", "position")
        .values_list("pk", "attempt_id", "version_id", "max_points")
    )
    version_ids = {row[2] for row in items}
    versions = ItemVersion.objects.select_related("item").in_bulk(version_ids)
    responses: dict[tuple[int, int], Any] = {
        (attempt_id, version_id): response
        for attempt_id, version_id, response in Answer.objects.filter(attempt_id__in=attempt_ids).values_list(
            "attempt_id", "version_id", "response"
        )
    }
    memo: dict[tuple[int, str, Decimal], tuple[Decimal | None, bool]] = {}
    ids: list[int] = []
    points_column: list[Decimal | None] = []
    grading_column: list[bool] = []
    per_attempt: dict[int, list[tuple[int, Decimal | None, Decimal]]] = defaultdict(list)
    waiting: set[int] = set()
    for pk, attempt_id, version_id, max_points in items:
        response = responses.get((attempt_id, version_id))
        key = (version_id, json.dumps(response, sort_keys=True), max_points)
        scored = memo.get(key)
        if scored is None:
            scored = memo[key] = item_points(versions[version_id], response, max_points)
        points, needs_grading = scored
        ids.append(pk)
        points_column.append(points)
        grading_column.append(needs_grading)
        per_attempt[attempt_id].append((version_id, points, max_points))
        if needs_grading:
            waiting.add(attempt_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE campaigns_attemptitem AS t SET points = v.points, needs_grading = v.needs_grading "
            "FROM unnest(%s::bigint[], %s::numeric[], %s::boolean[]) AS v(id, points, needs_grading) "
            "WHERE t.id = v.id",
            [ids, points_column, grading_column],
        )
    final = [a for a in attempt_ids if a not in waiting]
    if not final:
        return
    scores = [sum((p or ZERO for _v, p, _m in per_attempt[a]), start=ZERO) for a in final]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE campaigns_attempt AS t SET score = v.score, status = %s, finalised_at = %s "
            "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, score) WHERE t.id = v.id",
            [Attempt.Status.FINAL, now, final, scores],
        )
    topics_of = topics_of_versions(version_ids)
    TopicResult.objects.filter(attempt_id__in=final).delete()
    TopicResult.objects.bulk_create(
        (
            TopicResult(attempt_id=a, topic_id=topic_id, earned=earned, possible=possible)
            for a in final
            for topic_id, earned, possible in topic_totals(per_attempt[a], topics_of)
        ),
        batch_size=5000,
    )


def _analysis_stale(campaign_id: int) -> None:
    from ..tasks import analysis_refresh_soon

    analysis_refresh_soon(campaign_id)
