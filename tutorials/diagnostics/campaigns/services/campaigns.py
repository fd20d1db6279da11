"""Creating and publishing campaigns, and building their difficulties questionnaire."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from codifier.models import CompetenceBlock, Topic
from tenants.models import AcademicYear, Organisation, Subject
from tutorials.diagnostics import selectors as bank
from tutorials.diagnostics.models import ItemVersion

from .. import permissions
from ..errors import CampaignInvalidError, CampaignNotFoundError
from ..models import Attempt, Campaign, CampaignItem, Question, QuestionnaireAnswer
from ._common import audit, current_organisation, require

MAX_ITEMS = 200
MAX_QUESTIONS = 100


def _fail(message: str, field: str | None = None) -> CampaignInvalidError:
    return CampaignInvalidError(message, field=field)


def _audience_school_ids(ids: Sequence[int]) -> list[int]:
    """Chosen schools must be this centre's schools (or, in a school, the school itself)."""
    if not ids:
        return []
    here = current_organisation()
    allowed = set(
        Organisation.objects.filter(centre=here, kind=Organisation.Kind.SCHOOL, is_active=True).values_list(
            "pk", flat=True
        )
    )
    if here is not None and here.kind == Organisation.Kind.SCHOOL:
        allowed.add(here.pk)
    chosen = sorted({int(i) for i in ids})
    if any(i not in allowed for i in chosen):
        raise _fail(_("Choose schools of this district."), "audience_school_ids")
    return chosen


def _checked(
    *,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    time_limit_minutes: int,
    deficit_threshold: int,
    form: str,
    audience_school_ids: Sequence[int],
) -> dict[str, Any]:
    """The campaign's own fields, checked (the same rules for creating and editing a draft)."""
    title = (title or "").strip()
    if not title:
        raise _fail(_("Give the campaign a title."), "title")
    if closes_at <= opens_at:
        raise _fail(_("The campaign must close after it opens."), "closes_at")
    if not 1 <= int(time_limit_minutes) <= 24 * 60:
        raise _fail(_("The time limit is from 1 minute to 24 hours."), "time_limit_minutes")
    if not 0 <= int(deficit_threshold) <= 100:
        raise _fail(_("The threshold is a percentage from 0 to 100."), "deficit_threshold")
    if form not in Campaign.Form.values:
        raise _fail(_("Choose the test form."), "form")
    return {
        "title": title[:300],
        "opens_at": opens_at,
        "closes_at": closes_at,
        "time_limit_minutes": int(time_limit_minutes),
        "deficit_threshold": int(deficit_threshold),
        "form": form,
        "audience_school_ids": _audience_school_ids(audience_school_ids),
    }


def _write_form(
    campaign: Campaign, *, version_ids: Sequence[int], blueprint_topic_ids: Sequence[int], per_topic: int
) -> None:
    """Check the test form, save the campaign, then (re)write its items or its blueprint topics."""
    if campaign.form == Campaign.Form.FIXED:
        versions = _fixed_versions(campaign.subject, version_ids)
        campaign.per_topic = 0
        campaign.save()
        campaign.blueprint_topics.clear()
        campaign.items.all().delete()
        CampaignItem.objects.bulk_create(
            CampaignItem(campaign=campaign, version_id=v.pk, position=i) for i, v in enumerate(versions, 1)
        )
    else:
        topics = _blueprint_topics(campaign.subject, blueprint_topic_ids, int(per_topic))
        campaign.per_topic = int(per_topic)
        campaign.save()
        campaign.items.all().delete()
        campaign.blueprint_topics.set(topics)


@transaction.atomic
def campaign_create(
    *,
    membership: Membership | None,
    title: str,
    academic_year: AcademicYear,
    subject: Subject,
    opens_at: datetime,
    closes_at: datetime,
    time_limit_minutes: int,
    deficit_threshold: int = 60,
    school_admins_see_names: bool = False,
    audience_school_ids: Sequence[int] = (),
    form: str = Campaign.Form.FIXED,
    version_ids: Sequence[int] = (),
    blueprint_topic_ids: Sequence[int] = (),
    per_topic: int = 0,
) -> Campaign:
    """A draft campaign with its test form.  A fixed form names item versions of the
    subject (in order); a blueprint names topics and how many items to draw for each
    (the bank must hold enough).  Nothing is written when anything is wrong."""
    require(permissions.can_manage(membership))
    assert membership is not None
    fields = _checked(
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        time_limit_minutes=time_limit_minutes,
        deficit_threshold=deficit_threshold,
        form=form,
        audience_school_ids=audience_school_ids,
    )
    campaign = Campaign(
        academic_year=academic_year,
        subject=subject,
        school_admins_see_names=bool(school_admins_see_names),
        created_by=membership.user,
        **fields,
    )
    _write_form(
        campaign, version_ids=version_ids, blueprint_topic_ids=blueprint_topic_ids, per_topic=per_topic
    )
    audit(actor=membership.user, action="diagnostics.campaign_create", target=campaign, campaign=campaign.pk)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    membership: Membership | None,
    campaign_id: Any,
    title: str,
    academic_year: AcademicYear,
    subject: Subject,
    opens_at: datetime,
    closes_at: datetime,
    time_limit_minutes: int,
    deficit_threshold: int = 60,
    school_admins_see_names: bool = False,
    audience_school_ids: Sequence[int] = (),
    form: str = Campaign.Form.FIXED,
    version_ids: Sequence[int] = (),
    blueprint_topic_ids: Sequence[int] = (),
    per_topic: int = 0,
) -> Campaign:
    """Correct a draft campaign: every field and its test form, checked as when it was made.

    Only a draft changes: once published, teachers have been told its times and may
    have started it.  The questionnaire stays; a question tied to a topic of another
    subject refuses a change of subject.  Nothing is written when anything is wrong."""
    require(permissions.can_manage(membership))
    assert membership is not None
    campaign = _lock_campaign(campaign_id)
    if campaign.published_at is not None:
        raise _fail(_("The campaign is published: it no longer changes."))
    fields = _checked(
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        time_limit_minutes=time_limit_minutes,
        deficit_threshold=deficit_threshold,
        form=form,
        audience_school_ids=audience_school_ids,
    )
    if subject.pk != campaign.subject_id and campaign.questions.filter(topic__isnull=False).exists():
        raise _fail(
            _("The questionnaire names topics of the campaign's subject: keep the subject."), "subject"
        )
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.academic_year = academic_year
    campaign.subject = subject
    campaign.school_admins_see_names = bool(school_admins_see_names)
    _write_form(
        campaign, version_ids=version_ids, blueprint_topic_ids=blueprint_topic_ids, per_topic=per_topic
    )
    audit(actor=membership.user, action="diagnostics.campaign_update", target=campaign, campaign=campaign.pk)
    return campaign


@transaction.atomic
def campaign_delete(*, membership: Membership | None, campaign_id: Any) -> None:
    """Delete a draft campaign (with its questionnaire).  A published one is never deleted:
    teachers were told of it, and its attempts are results."""
    require(permissions.can_manage(membership))
    assert membership is not None
    campaign = _lock_campaign(campaign_id)
    if campaign.published_at is not None:
        raise _fail(_("The campaign is published: it is no longer deleted."))
    audit(actor=membership.user, action="diagnostics.campaign_delete", target=campaign, campaign=campaign.pk)
    campaign.delete()


def _fixed_versions(subject: Subject, version_ids: Sequence[int]) -> list[ItemVersion]:
    ids = [int(i) for i in version_ids]
    if not ids:
        raise _fail(_("Choose at least one item."), "version_ids")
    if len(ids) > MAX_ITEMS:
        raise _fail(_("A test has at most %(n)d items.") % {"n": MAX_ITEMS}, "version_ids")
    if len(set(ids)) != len(ids):
        raise _fail(_("An item is chosen twice."), "version_ids")
    found = bank.versions_by_id(ids)
    if len(found) != len(ids) or any(v.item.subject_id != subject.pk for v in found.values()):
        raise _fail(_("Choose items of the campaign's subject from the bank."), "version_ids")
    return [found[i] for i in ids]


def _blueprint_topics(subject: Subject, topic_ids: Sequence[int], per_topic: int) -> list[Topic]:
    ids = sorted({int(i) for i in topic_ids})
    if not ids:
        raise _fail(_("Choose at least one topic."), "blueprint_topic_ids")
    if not 1 <= per_topic <= 20:
        raise _fail(_("Draw from 1 to 20 items per topic."), "per_topic")
    topics = list(Topic.objects.filter(pk__in=ids, codifier__subject=subject))
    if len(topics) != len(ids):
        raise _fail(_("Choose topics of the subject's codifier."), "blueprint_topic_ids")
    counts = bank.topic_item_counts(subject, ids)
    short = [t.code for t in topics if counts.get(t.pk, 0) < per_topic]
    if short:
        raise _fail(
            _("The bank has too few items for topics: %(topics)s.") % {"topics": ", ".join(sorted(short))},
            "blueprint_topic_ids",
        )
    return topics


def _lock_campaign(campaign_id: Any) -> Campaign:
    try:
        return Campaign.objects.select_for_update().get(pk=int(campaign_id))
    except (Campaign.DoesNotExist, TypeError, ValueError):
        raise CampaignNotFoundError() from None


def _question_fields(
    campaign: Campaign,
    *,
    kind: str,
    text: str,
    topic_id: int | None,
    competence_block: str,
    choices: Sequence[str],
) -> dict[str, Any]:
    """A question's checked fields (the same rules for adding and editing)."""
    text = (text or "").strip()
    if not text:
        raise _fail(_("Write the question."), "text")
    if kind not in Question.Kind.values:
        raise _fail(_("Choose the kind of question."), "kind")
    topic = None
    if topic_id:
        topic = Topic.objects.filter(pk=topic_id, codifier__subject_id=campaign.subject_id).first()
        if topic is None:
            raise _fail(_("Choose a topic of the subject's codifier."), "topic")
    if competence_block and competence_block not in CompetenceBlock.values:
        raise _fail(_("Choose a competence block."), "competence_block")
    if kind == Question.Kind.SCALE and topic is None and not competence_block:
        raise _fail(_("A scale question names a topic or a competence block."), "topic")
    options = [str(c).strip()[:500] for c in choices if str(c).strip()]
    if kind == Question.Kind.CHOICE and len(options) < 2:
        raise _fail(_("Give at least two options."), "choices")
    return {
        "kind": kind,
        "text": text[:1000],
        "topic": topic,
        "competence_block": competence_block or "",
        "choices": options if kind == Question.Kind.CHOICE else [],
    }


@transaction.atomic
def question_add(
    *,
    membership: Membership | None,
    campaign_id: Any,
    kind: str,
    text: str,
    topic_id: int | None = None,
    competence_block: str = "",
    choices: Sequence[str] = (),
) -> Question:
    """Add a question to a draft campaign's questionnaire: a scale tied to a codifier
    topic or a competence block, a choice among options, or free text."""
    require(permissions.can_manage(membership))
    campaign = _lock_campaign(campaign_id)
    if campaign.published_at is not None:
        raise _fail(_("The campaign is published: its questionnaire no longer changes."))
    fields = _question_fields(
        campaign, kind=kind, text=text, topic_id=topic_id, competence_block=competence_block, choices=choices
    )
    position = campaign.questions.count() + 1
    if position > MAX_QUESTIONS:
        raise _fail(_("The questionnaire has at most %(n)d questions.") % {"n": MAX_QUESTIONS})
    return Question.objects.create(campaign=campaign, position=position, **fields)


def question_editable(question: Question, *, now: datetime | None = None) -> str | None:
    """Why the question may not be edited now, or None when it may.

    A draft's questions change freely.  Once the campaign is published a question may
    still be corrected until someone answers it (a typo seen on the first morning);
    an answered question never changes, because its answers mean what the teachers
    read, and they are shown beside the results.  A closed campaign changes no more."""
    campaign = question.campaign
    now = now or timezone.now()
    if campaign.published_at is None:
        return None
    if now >= campaign.closes_at:
        return _("The campaign is closed: its questionnaire no longer changes.")
    if QuestionnaireAnswer.objects.filter(question_id=question.pk).exists():
        return _("Teachers have already answered this question: it no longer changes.")
    return None


@transaction.atomic
def question_edit(
    *,
    membership: Membership | None,
    question_id: Any,
    kind: str,
    text: str,
    topic_id: int | None = None,
    competence_block: str = "",
    choices: Sequence[str] = (),
    now: datetime | None = None,
) -> Question:
    """Edit a questionnaire question (see :func:`question_editable` for when).

    The question's row is locked (``FOR UPDATE``) before its answers are counted: a
    teacher's answer being saved at the same moment holds a key-share lock on it (the
    foreign key), so either the answer commits first and the edit is refused, or the
    edit commits first and the answer is to the corrected question."""
    require(permissions.can_manage(membership))
    assert membership is not None
    try:
        question = (
            Question.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=int(question_id))
        )
    except (Question.DoesNotExist, TypeError, ValueError):
        raise _fail(_("There is no such question in this questionnaire."), "question") from None
    refusal = question_editable(question, now=now)
    if refusal is not None:
        raise _fail(refusal)
    fields = _question_fields(
        question.campaign,
        kind=kind,
        text=text,
        topic_id=topic_id,
        competence_block=competence_block,
        choices=choices,
    )
    for name, value in fields.items():
        setattr(question, name, value)
    question.save(update_fields=list(fields))
    audit(
        actor=membership.user,
        action="diagnostics.question_edit",
        target=question,
        campaign=question.campaign_id,
        question=question.pk,
    )
    return question


@transaction.atomic
def question_delete(
    *, membership: Membership | None, question_id: Any, campaign_id: Any = None, now: datetime | None = None
) -> None:
    """Remove a question from the questionnaire (of ``campaign_id`` when given), under the same
    rule as editing it (:func:`question_editable`); the questions after it move up, keeping
    their order."""
    require(permissions.can_manage(membership))
    assert membership is not None
    try:
        questions = Question.objects.select_for_update(of=("self",)).select_related("campaign")
        if campaign_id is not None:
            questions = questions.filter(campaign_id=int(campaign_id))
        question = questions.get(pk=int(question_id))
    except (Question.DoesNotExist, TypeError, ValueError):
        raise _fail(_("There is no such question in this questionnaire."), "question") from None
    refusal = question_editable(question, now=now)
    if refusal is not None:
        raise _fail(refusal)
    campaign_id, position = question.campaign_id, question.position
    audit(
        actor=membership.user,
        action="diagnostics.question_delete",
        target=question,
        campaign=campaign_id,
        question=question.pk,
    )
    question.delete()
    # One row at a time, upwards: each moves into the place freed just before it.
    for later in Question.objects.filter(campaign_id=campaign_id, position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])


@transaction.atomic
def campaign_publish(
    *, membership: Membership | None, campaign_id: Any, now: datetime | None = None
) -> Campaign:
    """Publish a draft: teachers see it (and are notified when it opens); its fixed
    items' versions are frozen, so editing an item later makes a new version."""
    require(permissions.can_manage(membership))
    assert membership is not None
    now = now or timezone.now()
    campaign = _lock_campaign(campaign_id)
    if campaign.published_at is not None:
        return campaign
    if campaign.closes_at <= now:
        raise _fail(_("The campaign's closing time has passed."), "closes_at")
    campaign.published_at = now
    campaign.save(update_fields=["published_at"])
    from tutorials.diagnostics.services.items import versions_mark_used

    versions_mark_used(campaign.items.values_list("version_id", flat=True))
    audit(actor=membership.user, action="diagnostics.campaign_publish", target=campaign, campaign=campaign.pk)
    if campaign.opens_at <= now:
        from .notify import campaign_opened

        campaign_opened(campaign, now=now)
    return campaign


@transaction.atomic
def campaign_extend(
    *, membership: Membership | None, campaign_id: Any, closes_at: datetime, now: datetime | None = None
) -> Campaign:
    """Move a published campaign's close later (a school lost its network on the morning).

    Only later, and only before the campaign has closed: a closed campaign's results and
    correct answers are already out.  Attempts in progress get the deadline the rule gives
    with the new close, ``min(start + limit, close)``, so nobody loses time already given;
    submitted attempts are untouched.  Teachers who have not submitted are told of the new
    close (once the campaign was announced), and the reminder is sent again before it."""
    require(permissions.can_manage(membership))
    assert membership is not None
    now = now or timezone.now()
    campaign = _lock_campaign(campaign_id)
    if campaign.published_at is None:
        raise _fail(_("A draft is edited, not extended."), "closes_at")
    if now >= campaign.closes_at:
        raise _fail(_("The campaign is closed: it is no longer extended."), "closes_at")
    if closes_at <= campaign.closes_at:
        raise _fail(_("Choose a later closing time."), "closes_at")
    before = campaign.closes_at
    campaign.closes_at = closes_at
    campaign.reminder_sent_at = None
    campaign.save(update_fields=["closes_at", "reminder_sent_at"])
    in_progress = Attempt.objects.select_for_update().filter(
        campaign=campaign, status=Attempt.Status.IN_PROGRESS, deadline__gt=now
    )
    limit = timedelta(minutes=campaign.time_limit_minutes)
    changed = []
    for attempt in in_progress:
        deadline = min(attempt.started_at + limit, closes_at)
        if deadline > attempt.deadline:
            attempt.deadline = deadline
            changed.append(attempt)
    Attempt.objects.bulk_update(changed, ["deadline"])
    from .notify import campaign_extended

    campaign_extended(campaign, before=before)
    audit(
        actor=membership.user,
        action="diagnostics.campaign_extend",
        target=campaign,
        campaign=campaign.pk,
        before=before.isoformat(),
        after=closes_at.isoformat(),
        attempts=len(changed),
    )
    return campaign


def audience(campaign: Campaign) -> QuerySet[Membership]:
    """The memberships of the teachers the campaign is for (see ``permissions.in_audience``)."""
    here = current_organisation()
    memberships = Membership.objects.filter(
        role=Role.TEACHER, is_active=True, user__is_active=True, subjects=campaign.subject_id
    )
    if here is not None and here.kind == Organisation.Kind.SCHOOL:
        return memberships.filter(organisation=here)
    memberships = memberships.filter(organisation__centre=here, organisation__is_active=True)
    if campaign.audience_school_ids:
        memberships = memberships.filter(organisation_id__in=campaign.audience_school_ids)
    return memberships
