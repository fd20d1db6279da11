"""Scoring on submission, grading of extended answers, and the final result.

Auto-graded types are scored by the bank's ``score_response`` when the attempt is
submitted.  An extended answer waits in the grading queue for the organisation's
tutors of the subject (and its methodologists), who see the answer and the rubric
but not the teacher's name or school.  The result is final when the last item is
graded: then the score and the points per codifier topic (``TopicResult``) are
written.  An unanswered extended item scores 0 at once: there is nothing to grade.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from tutornet.tenancy import on_commit_in_this_schema

from .. import permissions
from ..errors import AlreadyGradedError, AttemptNotFoundError, GradeInvalidError
from ..models import Answer, Attempt, AttemptItem, TopicResult
from ._common import audit, require
from .batch import item_points, topic_totals

ZERO = Decimal("0.00")


def score_submitted(attempt: Attempt, *, now: datetime) -> None:
    """Score a just-submitted attempt (in the submitting transaction, under its lock)."""
    items = list(
        AttemptItem.objects.filter(attempt_id=attempt.pk).select_related("version__item").order_by("position")
    )
    responses = dict(Answer.objects.filter(attempt_id=attempt.pk).values_list("version_id", "response"))
    for item in items:
        item.points, item.needs_grading = item_points(
            item.version, responses.get(item.version_id), item.max_points
        )
    AttemptItem.objects.bulk_update(items, ["points", "needs_grading"])
    if not any(item.needs_grading for item in items):
        _finalise(attempt, items, now=now)


def _finalise(attempt: Attempt, items: list[AttemptItem], *, now: datetime) -> None:
    attempt.score = sum((item.points or ZERO for item in items), start=ZERO)
    attempt.status = Attempt.Status.FINAL
    attempt.finalised_at = now
    attempt.save(update_fields=["score", "status", "finalised_at"])
    write_topic_results(attempt, items)


def write_topic_results(attempt: Attempt, items: list[AttemptItem]) -> None:
    """Points earned over points possible per topic, across the items that touch it
    (an item with several topics counts fully for each of them)."""
    through = AttemptItem.version.field.related_model.topics.through  # type: ignore[attr-defined]
    topic_rows = through.objects.filter(itemversion_id__in=[item.version_id for item in items]).values_list(
        "itemversion_id", "topic_id"
    )
    topics_of: dict[int, list[int]] = defaultdict(list)
    for version_id, topic_id in topic_rows:
        topics_of[version_id].append(topic_id)
    TopicResult.objects.filter(attempt_id=attempt.pk).delete()
    TopicResult.objects.bulk_create(
        TopicResult(attempt_id=attempt.pk, topic_id=topic_id, earned=earned, possible=possible)
        for topic_id, earned, possible in topic_totals(
            ((item.version_id, item.points, item.max_points) for item in items), topics_of
        )
    )


def _points(value: Any, top: Decimal) -> Decimal:
    try:
        points = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        raise GradeInvalidError(_("Enter the points as a number."), field="points") from None
    if not points.is_finite() or points < 0 or points > top:
        raise GradeInvalidError(
            _("Give from 0 to %(max)s points.") % {"max": f"{top.normalize():f}"}, field="points"
        )
    if points != points.quantize(Decimal("0.01")):
        raise GradeInvalidError(_("Give the points to at most two decimals."), field="points")
    return points.quantize(Decimal("0.01"))


def _attempt_locked(attempt_item_id: Any) -> tuple[Attempt, int]:
    """The attempt holding the attempt item ``attempt_item_id``, locked first, as submission
    locks it (grades of one attempt queue up), and the item's id."""
    try:
        item_pk = int(attempt_item_id)
    except (TypeError, ValueError):
        raise AttemptNotFoundError() from None
    head = AttemptItem.objects.filter(pk=item_pk).values_list("attempt_id", flat=True).first()
    if head is None:
        raise AttemptNotFoundError()
    return Attempt.objects.select_for_update().select_related("campaign").get(pk=head), item_pk


@transaction.atomic
def answer_grade(
    *,
    attempt_item_id: Any,
    membership: Membership | None,
    points: Any,
    comment: str = "",
    now: datetime | None = None,
) -> AttemptItem:
    """A tutor of the subject (or a methodologist) grades an extended answer against its
    rubric.  Two graders racing: the second gets AlreadyGradedError.  The attempt's
    result becomes final with its last grade."""
    now = now or timezone.now()
    attempt, item_pk = _attempt_locked(attempt_item_id)
    require(permissions.can_grade(membership, attempt.campaign))
    assert membership is not None
    item = AttemptItem.objects.select_for_update().get(pk=item_pk)
    if not item.needs_grading:
        raise AlreadyGradedError()
    item.points = _points(points, item.max_points)
    item.needs_grading = False
    item.graded_by = membership.user
    item.graded_at = now
    item.grader_comment = (comment or "").strip()[:5000]
    item.save(update_fields=["points", "needs_grading", "graded_by", "graded_at", "grader_comment"])
    audit(actor=membership.user, action="diagnostics.answer_grade", target=item, attempt_item=item.pk)
    items = list(AttemptItem.objects.filter(attempt_id=attempt.pk))
    if not any(i.needs_grading for i in items):
        _finalise(attempt, items, now=now)
        campaign_id = attempt.campaign_id
        on_commit_in_this_schema(lambda: _analysis_stale(campaign_id))
    return item


@transaction.atomic
def answer_regrade(
    *,
    attempt_item_id: Any,
    membership: Membership | None,
    points: Any,
    comment: str = "",
    now: datetime | None = None,
) -> AttemptItem:
    """A methodologist corrects a grade a person gave (a tutor's slip of the hand).

    Only a graded extended answer is corrected, never an automatically scored item.  A
    final result is recomputed at once (score, points per topic, hence the deficits) and
    the item analysis queued again; the audit keeps the points before and after."""
    now = now or timezone.now()
    attempt, item_pk = _attempt_locked(attempt_item_id)
    require(permissions.can_manage(membership))
    assert membership is not None
    item = AttemptItem.objects.select_for_update().get(pk=item_pk)
    if item.needs_grading or item.graded_at is None:
        raise GradeInvalidError(_("Only a grade given by a person is corrected."), field="points")
    before = item.points
    item.points = _points(points, item.max_points)
    item.graded_by = membership.user
    item.graded_at = now
    item.grader_comment = (comment or "").strip()[:5000] or item.grader_comment
    item.save(update_fields=["points", "graded_by", "graded_at", "grader_comment"])
    audit(
        actor=membership.user,
        action="diagnostics.answer_regrade",
        target=item,
        attempt_item=item.pk,
        before=str(before),
        after=str(item.points),
    )
    if attempt.status == Attempt.Status.FINAL:
        _finalise(attempt, list(AttemptItem.objects.filter(attempt_id=attempt.pk)), now=now)
        campaign_id = attempt.campaign_id
        on_commit_in_this_schema(lambda: _analysis_stale(campaign_id))
    return item


def _analysis_stale(campaign_id: int) -> None:
    from ..tasks import analysis_refresh_soon

    analysis_refresh_soon(campaign_id)
