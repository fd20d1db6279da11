"""Reads of tutorials that are more than a one-line query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, User

from .models import Attendance, Certificate, Feedback, Registration, Session, Tutorial


def _subject_ids(membership: Membership | None) -> list[int]:
    if membership is None:
        return []
    return [subject.pk for subject in membership.subjects.all()]


def in_audience(tutorial: Tutorial, membership: Membership | None) -> bool:
    """Whether the tutorial is meant for this person (all teachers, or their subject or school)."""
    if tutorial.audience_all:
        return True
    if membership is None:
        return False
    if tutorial.audience_schools.filter(pk=membership.organisation_id).exists():
        return True
    return tutorial.audience_subjects.filter(pk__in=_subject_ids(membership)).exists()


def audience_filter(membership: Membership | None) -> Q:
    if membership is None:
        return Q(audience_all=True)
    return (
        Q(audience_all=True)
        | Q(audience_schools=membership.organisation_id)
        | Q(audience_subjects__in=_subject_ids(membership))
    )


def _listing(queryset: QuerySet[Tutorial]) -> QuerySet[Tutorial]:
    return queryset.prefetch_related(
        "subjects", "topics", Prefetch("sessions", queryset=Session.objects.order_by("starts_at"))
    )


def catalogue(
    *,
    membership: Membership | None,
    everything: bool = False,
    subject_id: int | None = None,
    kind: str | None = None,
    include_past: bool = False,
) -> QuerySet[Tutorial]:
    """Published tutorials for this person's audience (``everything``: staff see all, drafts too)."""
    queryset = Tutorial.objects.all()
    if not everything:
        queryset = queryset.filter(status=Tutorial.Status.PUBLISHED).filter(audience_filter(membership))
    if not include_past:
        queryset = queryset.filter(ends_at__gte=timezone.now())
    if subject_id:
        queryset = queryset.filter(subjects=subject_id)
    if kind:
        queryset = queryset.filter(kind=kind)
    ids = queryset.values("pk").distinct()
    return _listing(Tutorial.objects.filter(pk__in=ids)).order_by("starts_at", "pk")


def organised_by(user: User) -> QuerySet[Tutorial]:
    return _listing(Tutorial.objects.filter(organisers=user)).order_by("-starts_at", "pk")


def my_registrations(user: User) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(user=user, status__in=Registration.ACTIVE)
        .select_related("tutorial")
        .order_by("tutorial__starts_at")
    )


def registrations_by_tutorial(user: User, tutorial_ids: Iterable[int]) -> dict[int, Registration]:
    return {
        r.tutorial_id: r
        for r in Registration.objects.filter(
            user=user, tutorial_id__in=list(tutorial_ids), status__in=Registration.ACTIVE
        )
    }


def participants(tutorial: Tutorial) -> QuerySet[Registration]:
    """Everybody with an active registration, the waiting list last, with their school."""
    return (
        tutorial.registrations.filter(status__in=Registration.ACTIVE)
        .select_related("user", "school")
        .order_by("status", "created_at", "pk")
    )


def attendance_map(tutorial: Tutorial) -> dict[tuple[int, int], Attendance]:
    return {(a.session_id, a.user_id): a for a in Attendance.objects.filter(session__tutorial=tutorial)}


@dataclass(frozen=True)
class FeedbackSummary:
    count: int
    average: Decimal | None
    distribution: dict[int, int]
    useful: list[str]
    will_use: list[str]


def feedback_summary(tutorial: Tutorial) -> FeedbackSummary:
    rows = list(Feedback.objects.filter(tutorial=tutorial).order_by("created_at"))
    totals = Feedback.objects.filter(tutorial=tutorial).aggregate(avg=Avg("rating"), n=Count("pk"))
    distribution = {value: 0 for value in range(1, 6)}
    for row in rows:
        distribution[row.rating] += 1
    average = totals["avg"]
    return FeedbackSummary(
        count=totals["n"],
        average=Decimal(str(round(average, 2))) if average is not None else None,
        distribution=distribution,
        useful=[r.useful for r in rows if r.useful],
        will_use=[r.will_use for r in rows if r.will_use],
    )


def on_route(tutorials: Iterable[Tutorial], deficit_topic_ids: Iterable[int]) -> set[int]:
    """The ids of the tutorials that work on one of the teacher's deficit topics: "по вашему маршруту".

    The routes feature passes the teacher's deficit topic ids (for instance from
    ``tutorials.diagnostics.campaigns.selectors.deficits_for``); the tutorials
    must have their ``topics`` prefetched (``catalogue`` does).
    """
    wanted = set(deficit_topic_ids)
    if not wanted:
        return set()
    return {t.pk for t in tutorials if any(topic.pk in wanted for topic in t.topics.all())}


@dataclass(frozen=True)
class Evidence:
    """What a teacher's route can file as evidence for a year."""

    attended: list[Attendance]
    certificates: list[Certificate]


def academic_year_bounds(year: int) -> tuple[date, date]:
    """The academic year that starts in September of ``year``."""
    return date(year, 9, 1), date(year + 1, 8, 31)


def evidence_for(user_id: int, year: int) -> Evidence:
    """Sessions the teacher attended and certificates they hold, in the academic year starting in ``year``.

    For the routes feature (``tutorials/routes``): each attendance carries its
    session and tutorial (``attendance.session.tutorial``), each certificate its
    public ``token`` for the verification link.
    """
    start, end = academic_year_bounds(year)
    start_at = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    end_at = timezone.make_aware(datetime.combine(end, datetime.max.time()))
    attended = list(
        Attendance.objects.filter(user_id=user_id, session__starts_at__range=(start_at, end_at))
        .select_related("session__tutorial")
        .order_by("session__starts_at")
    )
    certificates = list(
        Certificate.objects.filter(
            user_id=user_id, revoked_at__isnull=True, starts_on__range=(start, end)
        ).order_by("starts_on")
    )
    return Evidence(attended=attended, certificates=certificates)
