"""A teacher's attempt: start (or resume), save answers, submit (by hand or at the deadline).

Invariants:

* One attempt per campaign and teacher (a unique constraint; two starts racing get
  the same attempt).
* The deadline is the server's, written once at the start:
  ``min(start + time limit, campaign close)``.
* An answer is accepted only while the attempt is in progress and the server's
  clock is before the deadline; otherwise it is refused and nothing changes.
  Saving holds a share lock on the attempt and submitting an update lock, so an
  answer either commits before the submission scores the attempt (and counts) or
  sees the attempt submitted (and is refused): never half.
* Submitting twice, or by hand while the beat job submits it, submits once: the
  second gets :class:`AttemptSubmittedError` (the beat job skips it quietly).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from tutorials.diagnostics import selectors as bank
from tutorials.diagnostics.models import Item, ItemVersion
from tutorials.diagnostics.scoring import validate_response
from tutornet.tenancy import on_commit_in_this_schema

from .. import permissions
from ..errors import (
    AttemptNotFoundError,
    AttemptSubmittedError,
    CampaignInvalidError,
    CampaignNotFoundError,
    CampaignNotOpenError,
    DeadlinePassedError,
    ItemNotInAttemptError,
)
from ..models import Answer, Attempt, AttemptItem, Campaign, Question, QuestionnaireAnswer
from . import batch as scoring_batch
from ._common import audit, require
from .grading import score_submitted

# How many due attempts one beat run submits (the next run takes the rest).
DUE_BATCH = 5000


def attempt_seed(campaign_id: int, teacher_id: int) -> int:
    """The blueprint's draw for this teacher: fixed, so a restarted draw is the same."""
    digest = hashlib.sha256(f"campaigns:{campaign_id}:{teacher_id}".encode()).digest()
    return int.from_bytes(digest[:7], "big")


def attempt_start(*, campaign_id: Any, membership: Membership | None, now: datetime | None = None) -> Attempt:
    """Start the teacher's attempt, or return the one already started (resume on any device)."""
    now = now or timezone.now()
    try:
        campaign = Campaign.objects.get(pk=int(campaign_id))
    except (Campaign.DoesNotExist, TypeError, ValueError):
        raise CampaignNotFoundError() from None
    require(permissions.can_take(membership, campaign))
    assert membership is not None
    user = membership.user
    existing = Attempt.objects.filter(campaign=campaign, teacher=user).first()
    if existing is not None:
        return existing
    if now < campaign.opens_at:
        raise CampaignNotOpenError(_("The campaign has not opened yet."))
    if now >= campaign.closes_at:
        raise CampaignNotOpenError(_("The campaign is closed."))
    try:
        with transaction.atomic():
            return _create(campaign, user, membership, now)
    except IntegrityError:
        # Another request (a second device) started it at the same moment.
        return Attempt.objects.get(campaign=campaign, teacher=user)


def _create(campaign: Campaign, user: User, membership: Membership, now: datetime) -> Attempt:
    seed = attempt_seed(campaign.pk, user.pk)
    if campaign.form == Campaign.Form.FIXED:
        versions = [ci.version for ci in campaign.items.select_related("version").order_by("position")]
    else:
        topic_ids = list(campaign.blueprint_topics.values_list("pk", flat=True))
        versions = bank.items_for_blueprint(
            subject=campaign.subject_id, topic_ids=topic_ids, per_topic=campaign.per_topic, seed=seed
        )
        from tutorials.diagnostics.services.items import versions_mark_used

        versions_mark_used([v.pk for v in versions])
    if not versions:
        raise CampaignInvalidError(_("The campaign has no items."))
    deadline = min(now + timedelta(minutes=campaign.time_limit_minutes), campaign.closes_at)
    attempt = Attempt.objects.create(
        campaign=campaign,
        teacher=user,
        school_id=permissions.school_of(membership),
        seed=seed,
        started_at=now,
        deadline=deadline,
        max_score=sum((v.max_points for v in versions), start=0),
    )
    AttemptItem.objects.bulk_create(
        AttemptItem(attempt=attempt, version=v, position=i, max_points=v.max_points)
        for i, v in enumerate(versions, 1)
    )
    audit(actor=user, action="diagnostics.attempt_start", target=attempt, attempt=attempt.pk)
    return attempt


def _attempt_for(attempt_id: Any, user: User, lock: str) -> Attempt:
    try:
        attempt_pk = int(attempt_id)
    except (TypeError, ValueError):
        raise AttemptNotFoundError() from None
    queryset = Attempt.objects.filter(pk=attempt_pk, teacher_id=user.pk)
    queryset = queryset.select_for_update(no_key=False) if lock == "update" else queryset
    if lock == "share":
        found = list(Attempt.objects.raw(_SHARE_SQL, [attempt_pk, user.pk]))
        if not found:
            raise AttemptNotFoundError()
        return found[0]
    attempt = queryset.first()
    if attempt is None:
        raise AttemptNotFoundError()
    return attempt


# Django has no FOR SHARE: answers of one attempt may be saved side by side, a
# submission (FOR UPDATE) waits for them and they for it.
_SHARE_SQL = (
    "SELECT id, status, deadline, submitted_automatically FROM campaigns_attempt "
    "WHERE id = %s AND teacher_id = %s FOR SHARE"
)
# The save's one read: the attempt share-locked (as ``_SHARE_SQL``), and the type and content
# of the item asked for when the attempt shows it (NULLs when it does not).
_SAVE_SQL = """
    SELECT a.status, a.deadline, a.submitted_automatically, i.type, v.body
      FROM campaigns_attempt a
      LEFT JOIN campaigns_attemptitem ai ON ai.attempt_id = a.id AND ai.version_id = %s
      LEFT JOIN diagnostics_itemversion v ON v.id = ai.version_id
      LEFT JOIN diagnostics_item i ON i.id = v.item_id
     WHERE a.id = %s AND a.teacher_id = %s
       FOR SHARE OF a
"""
_UPSERT_SQL = """
    INSERT INTO campaigns_answer (attempt_id, version_id, response, saved_at, saves)
    VALUES (%s, %s, %s::jsonb, %s, 1)
    ON CONFLICT (attempt_id, version_id) DO UPDATE
       SET response = EXCLUDED.response, saved_at = EXCLUDED.saved_at, saves = campaigns_answer.saves + 1
    RETURNING id, saves
"""


def _check_open(attempt: Attempt, now: datetime) -> None:
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise AttemptSubmittedError(automatically=attempt.submitted_automatically)
    if now >= attempt.deadline:
        raise DeadlinePassedError()


@transaction.atomic
def answer_save(
    *, attempt_id: Any, user: User, version_id: Any, response: Any, now: datetime | None = None
) -> Answer:
    """Save (or replace) the teacher's answer to one item of their attempt, as given.

    Refused, changing nothing: another person's or an unknown attempt
    (AttemptNotFoundError), a submitted attempt (AttemptSubmittedError), the
    deadline passed (DeadlinePassedError), an item not in the attempt
    (ItemNotInAttemptError), an answer of the wrong shape (ResponseInvalidError).
    """
    try:
        attempt_pk = int(attempt_id)
    except (TypeError, ValueError):
        raise AttemptNotFoundError() from None
    try:
        version_pk: int | None = int(version_id)
    except (TypeError, ValueError):
        version_pk = None
    # One round trip: the attempt, share-locked, with the item asked for if it is one of its own.
    with connection.cursor() as cursor:
        cursor.execute(_SAVE_SQL, [version_pk, attempt_pk, user.pk])
        row = cursor.fetchone()
    if row is None:
        raise AttemptNotFoundError()
    status, deadline, automatically, kind, body = row
    attempt = Attempt(pk=attempt_pk, status=status, deadline=deadline, submitted_automatically=automatically)
    # The clock is read after the lock: an answer that waited for a submission sees it.
    now = now or timezone.now()
    _check_open(attempt, now)
    if kind is None or version_pk is None:
        raise ItemNotInAttemptError()
    version = ItemVersion(pk=version_pk, body=json.loads(body) if isinstance(body, str) else body)
    version.item = Item(type=kind)
    clean = validate_response(version, response)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, [attempt.pk, version_pk, _json(clean), now])
        answer_id, saves = cursor.fetchone()
    return Answer(
        pk=answer_id, attempt_id=attempt.pk, version_id=version_pk, response=clean, saved_at=now, saves=saves
    )


_SHEET_SQL = """
    INSERT INTO campaigns_answer (attempt_id, version_id, response, saved_at, saves)
    SELECT %s, given.version_id, given.response::jsonb, %s, 1
      FROM unnest(%s::integer[], %s::text[]) AS given(version_id, response)
    ON CONFLICT (attempt_id, version_id) DO UPDATE
       SET response = EXCLUDED.response, saved_at = EXCLUDED.saved_at, saves = campaigns_answer.saves + 1
"""


@transaction.atomic
def answer_sheet_save(
    *, attempt_id: Any, user: User, responses: Mapping[Any, Any], now: datetime | None = None
) -> int:
    """Save (or replace) the teacher's answers to several items of their attempt at once: a
    whole answer sheet, e.g. a client that was offline, or the demo's seed.

    The same rules as :func:`answer_save`, for the sheet as a whole, in one transaction:
    the attempt is share-locked once, its items loaded in one query, every answer
    validated by the same ``validate_response``, and all written by one
    ``INSERT … ON CONFLICT`` (each answer's ``saves`` counts one more).  One bad answer
    (an item not in the attempt, a wrong shape) refuses the whole sheet: nothing is saved.
    Returns how many answers were saved.
    """
    attempt = _attempt_for(attempt_id, user, "share")
    now = now or timezone.now()
    _check_open(attempt, now)
    given: dict[int, Any] = {}
    for version_id, response in responses.items():
        try:
            given[int(version_id)] = response
        except (TypeError, ValueError):
            raise ItemNotInAttemptError() from None
    if not given:
        return 0
    items = {
        item.version_id: item
        for item in AttemptItem.objects.select_related("version__item").filter(
            attempt_id=attempt.pk, version_id__in=list(given)
        )
    }
    if len(items) != len(given):
        raise ItemNotInAttemptError()
    clean = {pk: _json(validate_response(items[pk].version, response)) for pk, response in given.items()}
    with connection.cursor() as cursor:
        cursor.execute(_SHEET_SQL, [attempt.pk, now, list(clean), list(clean.values())])
    return len(clean)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@transaction.atomic
def attempt_submit(*, attempt_id: Any, user: User, now: datetime | None = None) -> Attempt:
    """The teacher submits: the answers given so far are scored (extended ones go to grading)."""
    attempt = _attempt_for(attempt_id, user, "update")
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise AttemptSubmittedError(automatically=attempt.submitted_automatically)
    now = now or timezone.now()
    # Past the deadline the beat job has not come round yet: the submission is the
    # automatic one, whoever asks (answers after the deadline were refused anyway).
    _submit(attempt, now, automatically=now >= attempt.deadline)
    audit(actor=user, action="diagnostics.attempt_submit", target=attempt, attempt=attempt.pk)
    return attempt


def _submit(attempt: Attempt, now: datetime, *, automatically: bool) -> None:
    attempt.status = Attempt.Status.SUBMITTED
    attempt.submitted_at = min(now, attempt.deadline) if automatically else now
    attempt.submitted_automatically = automatically
    attempt.save(update_fields=["status", "submitted_at", "submitted_automatically"])
    score_submitted(attempt, now=now)
    campaign_id = attempt.campaign_id
    on_commit_in_this_schema(lambda: _analysis_stale(campaign_id))


def _analysis_stale(campaign_id: int) -> None:
    from ..tasks import analysis_refresh_soon

    analysis_refresh_soon(campaign_id)


def attempts_submit_due(*, now: datetime | None = None, batch: int = DUE_BATCH) -> int:
    """Submit every attempt whose deadline has passed (beat, every minute; idempotent).

    The attempts are submitted and scored a chunk at a time (``batch.CHUNK`` per
    transaction, :mod:`.batch`): their rows locked ``SKIP LOCKED``, so one being
    submitted by its teacher right now is skipped and, if still open, taken by the
    next run.  The points, scores and per-topic results are those the per-attempt
    path gives.
    """
    now = now or timezone.now()
    ids = list(
        Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline__lte=now)
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    done = 0
    for start in range(0, len(ids), scoring_batch.CHUNK):
        done += len(scoring_batch.submit_due_chunk(ids[start : start + scoring_batch.CHUNK], now=now))
    return done


@transaction.atomic
def questionnaire_answer_save(
    *,
    attempt_id: Any,
    user: User,
    question_id: Any,
    level: int | None = None,
    choice: str = "",
    text: str = "",
    now: datetime | None = None,
) -> QuestionnaireAnswer:
    """Save the teacher's answer to a questionnaire question (until the campaign closes)."""
    attempt = _attempt_for(attempt_id, user, "none")
    now = now or timezone.now()
    campaign = Campaign.objects.get(pk=attempt.campaign_id)
    if now >= campaign.closes_at:
        raise CampaignNotOpenError(_("The campaign is closed."))
    question = Question.objects.filter(pk=_int(question_id), campaign_id=campaign.pk).first()
    if question is None:
        raise CampaignInvalidError(_("There is no such question in this questionnaire."), field="question")
    values = _questionnaire_values(question, level=level, choice=choice, text=text, now=now)
    answer, _created = QuestionnaireAnswer.objects.update_or_create(
        attempt=attempt, question=question, defaults=values
    )
    return answer


def _questionnaire_values(
    question: Question, *, level: Any, choice: Any, text: Any, now: datetime
) -> dict[str, Any]:
    """The stored fields of an answer to ``question``, or :class:`CampaignInvalidError`."""
    values: dict[str, Any] = {"level": None, "choice": "", "text": "", "saved_at": now}
    if question.kind == Question.Kind.SCALE:
        if level is None or _int(level, -1) not in Question.Level.values:
            raise CampaignInvalidError(_("Choose one of the three answers."), field="level")
        values["level"] = int(level)
    elif question.kind == Question.Kind.CHOICE:
        if choice not in question.choices:
            raise CampaignInvalidError(_("Choose one of the options."), field="choice")
        values["choice"] = choice
    else:
        values["text"] = (text or "").strip()[:5000]
    return values


@transaction.atomic
def questionnaire_sheet_save(
    *, attempt_id: Any, user: User, answers: Mapping[Any, Mapping[str, Any]], now: datetime | None = None
) -> int:
    """Save the teacher's answers to several questionnaire questions at once: ``answers`` maps a
    question id to its answer (``level``, ``choice`` or ``text``, as
    :func:`questionnaire_answer_save` takes them).

    The same rules, for the sheet as a whole, in one transaction: the questions are read in
    one query and the answers written by one ``INSERT … ON CONFLICT``; one bad answer (a
    question of another questionnaire, a level or option that does not exist) or a closed
    campaign refuses the whole sheet.  Returns how many answers were saved.
    """
    attempt = _attempt_for(attempt_id, user, "none")
    now = now or timezone.now()
    closes_at = Campaign.objects.filter(pk=attempt.campaign_id).values_list("closes_at", flat=True).get()
    if now >= closes_at:
        raise CampaignNotOpenError(_("The campaign is closed."))
    given = {_int(question_id): answer for question_id, answer in answers.items()}
    questions = Question.objects.filter(campaign_id=attempt.campaign_id, pk__in=list(given)).in_bulk()
    rows = []
    for question_id, answer in given.items():
        question = questions.get(question_id)
        if question is None:
            raise CampaignInvalidError(
                _("There is no such question in this questionnaire."), field="question"
            )
        values = _questionnaire_values(
            question,
            level=answer.get("level"),
            choice=answer.get("choice", ""),
            text=answer.get("text", ""),
            now=now,
        )
        rows.append(QuestionnaireAnswer(attempt_id=attempt.pk, question_id=question_id, **values))
    QuestionnaireAnswer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["attempt", "question"],
        update_fields=["level", "choice", "text", "saved_at"],
    )
    return len(rows)


def questionnaire_done(*, attempt_id: Any, user: User, now: datetime | None = None) -> Attempt:
    attempt = _attempt_for(attempt_id, user, "none")
    attempt.questionnaire_done_at = now or timezone.now()
    attempt.save(update_fields=["questionnaire_done_at"])
    return attempt


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
