"""Reads of campaigns: a teacher's campaigns and results, progress, grading queue,
aggregates per school and topic, and the deficits the routes feature consumes.

Deficits (профессиональные дефициты)
------------------------------------

:func:`deficits_for` and :func:`deficits_in_campaign` are the contract with the
routes feature.  A :class:`Deficit` is a codifier topic (or, for a questionnaire
question tied to a competence block only, that block) where, in one campaign,

* the teacher's **test** result is below the campaign's threshold
  (``TopicResult``: points earned / points possible across the items touching
  the topic), and/or
* the teacher **declared** difficulties in the questionnaire (a scale question
  answered "partly" or "serious").

``source`` says which: ``test``, ``questionnaire`` or ``both``.  ``severity`` is
``serious`` when the test percentage is below half the threshold, or the teacher
declared serious difficulties, or both sources agree; otherwise ``moderate``.
Only final results count (an attempt waiting for a grade has no topic results).
Deficits are ordered most severe first, then by the topic's codifier order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership
from codifier.models import Topic

from . import permissions
from .models import Attempt, AttemptItem, Campaign, Question, QuestionnaireAnswer, TopicResult

SOURCE_TEST = "test"
SOURCE_QUESTIONNAIRE = "questionnaire"
SOURCE_BOTH = "both"
SERIOUS = "serious"
MODERATE = "moderate"


@dataclass(frozen=True)
class Deficit:
    teacher_id: int
    campaign_id: int
    topic_id: int | None  # None: a competence block named by the questionnaire only
    topic_code: str
    topic_title: str
    competence_block: str
    source: str  # "test" | "questionnaire" | "both"
    severity: str  # "serious" | "moderate"
    percent: float | None  # the test's percentage on the topic, when tested
    declared_level: int | None  # 1 partly, 2 serious, when declared

    @property
    def key(self) -> tuple[int | None, str]:
        return (self.topic_id, self.competence_block if self.topic_id is None else "")


def _code_key(code: str) -> tuple[tuple[int, int, str], ...]:
    """FIPI's order ("1.10" after "1.9"), safe for codes mixing digits and letters."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in code.split("."))


def campaigns_for_teacher(membership: Membership | None, user: Any) -> list[tuple[Campaign, Attempt | None]]:
    """Published campaigns meant for the teacher, each with their attempt (2-3 queries)."""
    if membership is None:
        return []
    campaigns = [
        c
        for c in Campaign.objects.filter(published_at__isnull=False).select_related(
            "subject", "academic_year"
        )
        if permissions.in_audience(membership, c)
    ]
    attempts = {a.campaign_id: a for a in Attempt.objects.filter(teacher_id=user.pk, campaign__in=campaigns)}
    return [(c, attempts.get(c.pk)) for c in campaigns]


def attempt_items(attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items in order, with versions, items and topics (3 queries)."""
    return list(
        AttemptItem.objects.filter(attempt_id=attempt.pk)
        .select_related("version__item")
        .prefetch_related("version__topics")
        .order_by("position")
    )


def answers_of(attempt: Attempt) -> dict[int, dict[str, Any]]:
    return dict(attempt.answers.values_list("version_id", "response"))


@dataclass(frozen=True)
class TopicLine:
    topic: Topic
    earned: Decimal
    possible: Decimal
    percent: float
    below_threshold: bool
    declared_level: int | None


def topic_lines(attempt: Attempt) -> list[TopicLine]:
    """Per codifier topic: points earned / possible and the questionnaire's answer (2 queries)."""
    return result_of(attempt, with_deficits=False)[0]


def result_of(attempt: Attempt, *, with_deficits: bool = True) -> tuple[list[TopicLine], list[Deficit]]:
    """A final attempt's topic lines and its deficits together, from one read of its
    per-topic results and declared levels (3 queries; the result page's hot path).
    The deficits are those :func:`deficits_for` gives for the attempt's campaign."""
    campaign = attempt.campaign
    threshold = campaign.deficit_threshold
    declared_all = _declared_levels([attempt.pk])
    declared = declared_all.get(attempt.pk, {})
    results = list(TopicResult.objects.filter(attempt_id=attempt.pk).select_related("topic"))
    results.sort(key=lambda r: _code_key(r.topic.code))
    lines = [
        TopicLine(
            topic=r.topic,
            earned=r.earned,
            possible=r.possible,
            percent=r.percent,
            below_threshold=r.percent < threshold,
            declared_level=declared.get((r.topic_id, "")),
        )
        for r in results
    ]
    if not with_deficits or attempt.status != Attempt.Status.FINAL:
        return lines, []
    topics = {r.topic_id: r.topic for r in results}
    missing = {key[0] for key in declared if key[0] and key[0] not in topics}
    if missing:
        topics.update(Topic.objects.in_bulk(missing))
    deficits = _deficits_of([attempt], campaign, {attempt.pk: results}, declared_all, topics)
    return lines, deficits.get(attempt.teacher_id, [])


def questionnaire_of(attempt: Attempt) -> list[tuple[Question, QuestionnaireAnswer | None]]:
    questions = list(Question.objects.filter(campaign_id=attempt.campaign_id).select_related("topic"))
    answers = {a.question_id: a for a in QuestionnaireAnswer.objects.filter(attempt_id=attempt.pk)}
    return [(q, answers.get(q.pk)) for q in questions]


@dataclass
class QuestionSummary:
    """One questionnaire question over a campaign's teachers (of one school, or all)."""

    question: Question
    answered: int = 0
    # Scale: teachers per level (0 none, 1 partly, 2 serious); choice: teachers per option.
    levels: list[int] = field(default_factory=lambda: [0, 0, 0])
    options: list[tuple[str, int]] = field(default_factory=list)
    # Free text: the answers themselves, without names (only for those who see individual results).
    texts: list[str] = field(default_factory=list)

    @property
    def difficult(self) -> int:
        """Teachers declaring difficulties (partly or serious) on a scale question."""
        return self.levels[1] + self.levels[2]


def questionnaire_summary(
    campaign: Campaign, *, school_id: int | None = None, with_texts: bool = False
) -> list[QuestionSummary]:
    """The questionnaire's answers counted per question (2 queries), shown beside the test's
    per-topic means.  Free texts only ``with_texts`` (the caller checks who may read them:
    a text can name its author, so a school's administrator gets the counts only)."""
    summaries = {
        q.pk: QuestionSummary(question=q, options=[(c, 0) for c in q.choices])
        for q in Question.objects.filter(campaign=campaign).select_related("topic").order_by("position")
    }
    answers = QuestionnaireAnswer.objects.filter(attempt__campaign=campaign)
    if school_id is not None:
        answers = answers.filter(attempt__school_id=school_id)
    for question_id, level, choice, text in answers.order_by("saved_at", "pk").values_list(
        "question_id", "level", "choice", "text"
    ):
        summary = summaries.get(question_id)
        if summary is None:
            continue
        kind = summary.question.kind
        if kind == Question.Kind.SCALE and level is not None:
            summary.levels[int(level)] += 1
        elif kind == Question.Kind.CHOICE and choice:
            summary.options = [(c, n + 1 if c == choice else n) for c, n in summary.options]
        elif kind == Question.Kind.TEXT and text.strip():
            if with_texts:
                summary.texts.append(text)
        else:
            continue
        summary.answered += 1
    return list(summaries.values())


def _declared_levels(attempt_ids: Iterable[int]) -> dict[int, dict[tuple[int | None, str], int]]:
    """Per attempt: (topic id, block) -> the highest difficulty level declared on a scale question."""
    found: dict[int, dict[tuple[int | None, str], int]] = defaultdict(dict)
    rows = QuestionnaireAnswer.objects.filter(
        attempt_id__in=list(attempt_ids), question__kind=Question.Kind.SCALE, level__gte=1
    ).values_list("attempt_id", "question__topic_id", "question__competence_block", "level")
    for attempt_id, topic_id, block, level in rows:
        key = (topic_id, "" if topic_id else block)
        found[attempt_id][key] = max(int(level or 0), found[attempt_id].get(key, 0))
    return found


def _deficits(attempts: list[Attempt], campaign: Campaign) -> dict[int, list[Deficit]]:
    ids = [a.pk for a in attempts]
    by_attempt: dict[int, list[TopicResult]] = defaultdict(list)
    for r in TopicResult.objects.filter(attempt_id__in=ids):
        by_attempt[r.attempt_id].append(r)
    declared = _declared_levels(ids)
    topic_ids = {r.topic_id for rs in by_attempt.values() for r in rs}
    topic_ids |= {key[0] for levels in declared.values() for key in levels if key[0]}
    topics = Topic.objects.in_bulk(topic_ids)
    return _deficits_of(attempts, campaign, by_attempt, declared, topics)


def _deficits_of(
    attempts: list[Attempt],
    campaign: Campaign,
    by_attempt: dict[int, list[TopicResult]],
    declared: dict[int, dict[tuple[int | None, str], int]],
    topics: dict[int, Topic],
) -> dict[int, list[Deficit]]:
    threshold = float(campaign.deficit_threshold)
    found: dict[int, list[Deficit]] = {}
    for attempt in attempts:
        percents = {r.topic_id: r.percent for r in by_attempt.get(attempt.pk, [])}
        levels = declared.get(attempt.pk, {})
        keys = {(t, "") for t, p in percents.items() if p < threshold} | set(levels)
        deficits = []
        for topic_id, block in keys:
            percent = percents.get(topic_id) if topic_id else None
            low = percent is not None and percent < threshold
            level = levels.get((topic_id, block))
            source = SOURCE_BOTH if low and level else SOURCE_TEST if low else SOURCE_QUESTIONNAIRE
            serious = (
                source == SOURCE_BOTH
                or (low and percent is not None and percent < threshold / 2)
                or level == Question.Level.SERIOUS
            )
            topic = topics.get(topic_id) if topic_id else None
            deficits.append(
                Deficit(
                    teacher_id=attempt.teacher_id,
                    campaign_id=campaign.pk,
                    topic_id=topic_id,
                    topic_code=topic.code if topic else "",
                    topic_title=topic.title if topic else "",
                    competence_block=topic.competence_block if topic else block,
                    source=source,
                    severity=SERIOUS if serious else MODERATE,
                    percent=percent,
                    declared_level=level,
                )
            )
        deficits.sort(
            key=lambda d: (
                d.severity != SERIOUS,
                d.topic_id is None,
                _code_key(d.topic_code),
                d.competence_block,
            )
        )
        found[attempt.teacher_id] = deficits
    return found


def deficits_in_campaign(campaign: Campaign) -> dict[int, list[Deficit]]:
    """Every teacher's deficits in one campaign: teacher id -> deficits (4 queries)."""
    attempts = list(Attempt.objects.filter(campaign=campaign, status=Attempt.Status.FINAL))
    return _deficits(attempts, campaign)


def deficits_for(teacher_id: int, campaign: Campaign | None = None) -> list[Deficit]:
    """One teacher's deficits: in ``campaign``, or in every campaign's latest final
    result per subject when it is None (the most recent campaign of each subject
    that has already closed or where the teacher's result is final)."""
    attempts = Attempt.objects.filter(teacher_id=teacher_id, status=Attempt.Status.FINAL).select_related(
        "campaign"
    )
    if campaign is not None:
        attempts = attempts.filter(campaign=campaign)
    latest: dict[int, Attempt] = {}
    for attempt in attempts.order_by("-campaign__closes_at", "-pk"):
        latest.setdefault(attempt.campaign.subject_id, attempt)
    result: list[Deficit] = []
    for attempt in latest.values():
        result.extend(_deficits([attempt], attempt.campaign).get(teacher_id, []))
    return result


# --- staff views -----------------------------------------------------------------


def campaign_progress(campaign: Campaign) -> dict[str, int]:
    """Started, in progress, submitted, waiting for grades, final (1 query + the audience count)."""
    from .services.campaigns import audience

    counts = Attempt.objects.filter(campaign=campaign).aggregate(
        started=Count("pk"),
        in_progress=Count("pk", filter=Q(status=Attempt.Status.IN_PROGRESS)),
        submitted=Count("pk", filter=~Q(status=Attempt.Status.IN_PROGRESS)),
        final=Count("pk", filter=Q(status=Attempt.Status.FINAL)),
    )
    counts["to_grade"] = AttemptItem.objects.filter(attempt__campaign=campaign, needs_grading=True).count()
    counts["audience"] = audience(campaign).values("user_id").distinct().count()
    return counts


def campaigns_listed(membership: Membership | None) -> QuerySet[Campaign]:
    """The campaigns list with started / submitted / to-grade counts, as this person may see it.

    Methodologists: every campaign, drafts too.  Tutors: the published campaigns of their
    subjects.  A school's administrator: the published campaigns meant for their school,
    counted over their school's teachers only (never the district's figures)."""
    rows = Campaign.objects.select_related("subject", "academic_year")
    counted = Q()
    if permissions.can_manage(membership):
        pass
    elif permissions.is_tutor(membership):
        assert membership is not None
        rows = rows.filter(published_at__isnull=False, subject_id__in=permissions.subject_ids(membership))
    elif permissions.is_school_admin(membership) and permissions.school_of(membership) is not None:
        school_id = permissions.school_of(membership)
        rows = rows.filter(published_at__isnull=False).filter(
            Q(audience_school_ids=[]) | Q(audience_school_ids__contains=[school_id])
        )
        counted = Q(attempts__school_id=school_id)
    else:
        return rows.none()
    # ``Q(pk__isnull=False)`` for staff: every attempt counts.
    counted = counted or Q(pk__isnull=False)
    return rows.annotate(
        started=Count("attempts", filter=counted, distinct=True),
        submitted=Count(
            "attempts", filter=counted & ~Q(attempts__status=Attempt.Status.IN_PROGRESS), distinct=True
        ),
        to_grade=Count("attempts__items", filter=counted & Q(attempts__items__needs_grading=True)),
    )


def grading_queue(membership: Membership | None) -> QuerySet[AttemptItem]:
    """Extended answers waiting for a grade that this person may grade, oldest first.
    No teacher's name or school in it: grading is blind."""
    queue = (
        AttemptItem.objects.filter(needs_grading=True)
        .select_related("version__item", "attempt__campaign")
        .order_by("attempt__submitted_at", "pk")
    )
    if permissions.can_manage(membership):
        return queue
    if permissions.is_tutor(membership):
        assert membership is not None
        return queue.filter(attempt__campaign__subject_id__in=permissions.subject_ids(membership))
    return queue.none()


def teacher_rows(campaign: Campaign, *, school_id: int | None = None) -> list[Attempt]:
    """Individual results (staff only: the caller checks the permission)."""
    attempts = (
        Attempt.objects.filter(campaign=campaign)
        .select_related("teacher")
        .order_by("teacher__last_name", "teacher__first_name", "pk")
    )
    if school_id is not None:
        attempts = attempts.filter(school_id=school_id)
    return list(attempts)


@dataclass(frozen=True)
class TopicAggregate:
    topic: Topic
    mean_percent: float
    teachers: int
    below_threshold: int


def topic_aggregates(campaign: Campaign, *, school_id: int | None = None) -> list[TopicAggregate]:
    """Mean percentage per topic over final results (of one school, or all), 2 queries."""
    results = TopicResult.objects.filter(attempt__campaign=campaign, attempt__status=Attempt.Status.FINAL)
    if school_id is not None:
        results = results.filter(attempt__school_id=school_id)
    sums: dict[int, list[float]] = defaultdict(list)
    for topic_id, earned, possible in results.values_list("topic_id", "earned", "possible"):
        sums[topic_id].append(float(earned * 100 / possible))
    topics = Topic.objects.in_bulk(list(sums))
    threshold = campaign.deficit_threshold
    lines = [
        TopicAggregate(
            topic=topics[t],
            mean_percent=sum(v) / len(v),
            teachers=len(v),
            below_threshold=sum(1 for p in v if p < threshold),
        )
        for t, v in sums.items()
    ]
    lines.sort(key=lambda line: _code_key(line.topic.code))
    return lines


def school_summary(campaign: Campaign) -> list[dict[str, Any]]:
    """Per school: teachers who took part, final results, mean score (1 query + names)."""
    from tenants.models import Organisation

    rows = (
        Attempt.objects.filter(campaign=campaign)
        .values("school_id")
        .annotate(
            took_part=Count("pk"),
            final=Count("pk", filter=Q(status=Attempt.Status.FINAL)),
        )
        .order_by("school_id")
    )
    names = dict(
        Organisation.objects.filter(pk__in=[r["school_id"] for r in rows]).values_list("pk", "short_name")
    )
    means = _mean_percent_by_school(campaign)
    return [
        {**row, "name": names.get(row["school_id"], "—"), "mean_percent": means.get(row["school_id"])}
        for row in rows
    ]


def _mean_percent_by_school(campaign: Campaign) -> dict[int | None, float]:
    sums: dict[int | None, list[float]] = defaultdict(list)
    for school_id, score, top in Attempt.objects.filter(
        campaign=campaign, status=Attempt.Status.FINAL, max_score__gt=0
    ).values_list("school_id", "score", "max_score"):
        sums[school_id].append(float((score or 0) * 100 / top))
    return {k: sum(v) / len(v) for k, v in sums.items()}


def school_aggregate(campaign: Campaign, school_id: int) -> dict[str, Any]:
    """What a school's administrator sees: how many took part and the mean per topic."""
    attempts = Attempt.objects.filter(campaign=campaign, school_id=school_id)
    return {
        "took_part": attempts.count(),
        "final": attempts.filter(status=Attempt.Status.FINAL).count(),
        "topics": topic_aggregates(campaign, school_id=school_id),
    }


def open_campaigns(now: Any = None) -> QuerySet[Campaign]:
    now = now or timezone.now()
    return Campaign.objects.filter(published_at__isnull=False, opens_at__lte=now, closes_at__gt=now)
