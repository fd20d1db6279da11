"""Reads of the other apps that their own selectors do not offer (read-only, in bulk).

The diagnostics' ``deficits_in_campaign`` is used as it is (``compute``); what is
here are the flat rows the district aggregates need: every final per-topic result of
a campaign with its teacher and school, the codifier's mapping between years, the
routes' planned topics, and the support counted per school.  Each function is a
fixed, small number of queries whatever the size of the district.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Max, Q, Sum
from django.utils import timezone

from codifier.models import Topic, TopicMapping
from tenants.models import AcademicYear, Organisation
from tutorials.diagnostics.campaigns.models import Attempt, Campaign, TopicResult


@dataclass(frozen=True)
class Result:
    teacher_id: int
    school_id: int | None
    topic_id: int
    earned: Decimal
    possible: Decimal


def final_results(campaign_id: int) -> list[Result]:
    """Every final per-topic result of the campaign (1 query)."""
    rows = TopicResult.objects.filter(
        attempt__campaign_id=campaign_id, attempt__status=Attempt.Status.FINAL
    ).values_list("attempt__teacher_id", "attempt__school_id", "topic_id", "earned", "possible")
    return [Result(*row) for row in rows.iterator(chunk_size=5000)]


def results_as_of(campaign_id: int) -> datetime | None:
    """The newest final result of the campaign (1 query): later than a snapshot's = stale."""
    value = Attempt.objects.filter(campaign_id=campaign_id, status=Attempt.Status.FINAL).aggregate(
        last=Max("finalised_at")
    )["last"]
    return value


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The same subject's campaign of the year before (the latest published one in it)."""
    return (
        Campaign.objects.filter(
            subject_id=campaign.subject_id,
            published_at__isnull=False,
            academic_year__starts_on__lt=campaign.academic_year.starts_on,
        )
        .select_related("academic_year", "subject")
        .order_by("-academic_year__starts_on", "-opens_at", "-pk")
        .first()
    )


def topic_rows(topic_ids: set[int]) -> dict[int, tuple[str, str, int]]:
    """id -> (code, title, position) (1 query)."""
    return {
        pk: (code, title, position)
        for pk, code, title, position in Topic.objects.filter(pk__in=topic_ids).values_list(
            "pk", "code", "title", "position"
        )
    }


def mapping_to(new_ids: set[int], old_ids: set[int]) -> dict[int, set[int]]:
    """Old topic -> the new topics that continue it (the codifier's ``TopicMapping``);
    a topic measured both years under the same id continues itself (1 query)."""
    found: dict[int, set[int]] = defaultdict(set)
    for old_id in old_ids & new_ids:
        found[old_id].add(old_id)
    for old_id, new_id in TopicMapping.objects.filter(old_id__in=old_ids, new_id__in=new_ids).values_list(
        "old_id", "new_id"
    ):
        found[old_id].add(new_id)
    return found


def schools_of(centre_id: int) -> dict[int, str]:
    """The centre's schools: id -> short name (1 query)."""
    return dict(
        Organisation.objects.filter(centre_id=centre_id, kind=Organisation.Kind.SCHOOL)
        .order_by("short_name", "pk")
        .values_list("pk", "short_name")
    )


def route_topics(year_id: int, subject_id: int) -> dict[int, set[int]]:
    """Teacher -> the topics their route of that year planned to work on (not dropped), 1 query."""
    from tutorials.routes.models import PlanItem

    found: dict[int, set[int]] = defaultdict(set)
    rows = (
        PlanItem.objects.filter(
            route__academic_year_id=year_id, topic__isnull=False, route__subject_id__in=[subject_id]
        )
        .exclude(status=PlanItem.ItemStatus.DROPPED)
        .exclude(proposal=PlanItem.Proposal.DROPPED)
        .exclude(proposal=PlanItem.Proposal.PROPOSED)
        .values_list("route__teacher_id", "topic_id")
    )
    for teacher_id, topic_id in rows:
        found[teacher_id].add(topic_id)
    return found


def _span(year: AcademicYear) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(year.starts_on, time.min), zone),
        timezone.make_aware(datetime.combine(year.ends_on, time.max), zone),
    )


def support_counts(year: AcademicYear, subject_id: int) -> dict[int, dict[str, Any]]:
    """What the support did in the year, per school, for the subject (9 queries).

    Routes by status and the share of planned items done (items dropped do not
    count as planned); consultations held (bookings marked held); Help Hour requests
    filed by the school and the sessions held for them; tutorials of the subject its
    teachers registered for and the attendances; case materials the school
    published in the district bank; the mean ratings of the consultations, the Help
    Hour sessions and the tutorials its teachers gave, each with its number of ratings
    (``*_rating_n``: the picture hides a mean of fewer than 3)."""
    from casebank.models import Material
    from casebank.models import Status as MaterialStatus
    from consultations.help_hour.models import HelpHourRequest, UsefulnessRating
    from consultations.help_hour.models import Status as HelpStatus
    from consultations.models import Booking
    from tutorials.models import Attendance, Feedback, Registration
    from tutorials.routes.models import PlanItem, Route

    start, end = _span(year)
    figures: dict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "routes": defaultdict(int),
            "items_planned": 0,
            "items_done": 0,
            "consultations_held": 0,
            "consultation_rating": None,
            "help_requests": 0,
            "help_sessions": 0,
            "help_rating": None,
            "tutorials": 0,
            "registrations": 0,
            "attendances": 0,
            "tutorial_rating": None,
            "consultation_rating_n": 0,
            "help_rating_n": 0,
            "tutorial_rating_n": 0,
            "materials": 0,
        }
    )
    for school_id, status, count in (
        Route.objects.filter(academic_year=year, subject_id=subject_id)
        .values_list("school_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        figures[school_id]["routes"][status] += count
    for school_id, planned, done in (
        PlanItem.objects.filter(route__academic_year=year, route__subject_id=subject_id)
        .exclude(status=PlanItem.ItemStatus.DROPPED)
        .values_list("route__school_id")
        .annotate(
            planned=Count("pk"),
            done=Count("pk", filter=Q(status=PlanItem.ItemStatus.DONE)),
        )
        .order_by()
    ):
        figures[school_id]["items_planned"] = planned
        figures[school_id]["items_done"] = done
    for school_id, held, mean_rating, rated in (
        Booking.objects.filter(
            status=Booking.Status.HELD,
            slot__offering__subject_id=subject_id,
            starts_at__gte=start,
            starts_at__lte=end,
            teacher_organisation__isnull=False,
        )
        .values_list("teacher_organisation_id")
        .annotate(held=Count("pk"), avg_rating=Avg("rating__score"), rated=Count("rating__score"))
        .order_by()
    ):
        figures[school_id]["consultations_held"] = held
        figures[school_id]["consultation_rating"] = mean_rating
        figures[school_id]["consultation_rating_n"] = rated
    requests = HelpHourRequest.objects.filter(
        subject_id=subject_id, submitted_at__gte=start, submitted_at__lte=end
    ).exclude(status__in=[HelpStatus.DRAFT, HelpStatus.WITHDRAWN])
    sessions_of: dict[int, set[int]] = defaultdict(set)
    for school_id, session_id, status in requests.values_list("organisation_id", "session_id", "status"):
        figures[school_id]["help_requests"] += 1
        if session_id and status in (HelpStatus.HELD, HelpStatus.CLOSED):
            sessions_of[school_id].add(session_id)
    all_sessions = {s for ids in sessions_of.values() for s in ids}
    rating_of: dict[int, tuple[int, int]] = {
        session_id: (total, rated)
        for session_id, total, rated in UsefulnessRating.objects.filter(session_id__in=all_sessions)
        .values_list("session_id")
        .annotate(total=Sum("score"), rated=Count("pk"))
        .order_by()
    }
    for school_id, ids in sessions_of.items():
        figures[school_id]["help_sessions"] = len(ids)
        total = sum(rating_of[s][0] for s in ids if s in rating_of)
        rated = sum(rating_of[s][1] for s in ids if s in rating_of)
        figures[school_id]["help_rating"] = total / rated if rated else None
        figures[school_id]["help_rating_n"] = rated
    registrations = Registration.objects.filter(
        tutorial__subjects__id=subject_id,
        tutorial__starts_at__gte=start,
        tutorial__starts_at__lte=end,
        status=Registration.Status.CONFIRMED,
        school__isnull=False,
    ).values_list("school_id", "tutorial_id", "user_id")
    who: dict[tuple[int, int], int] = {}
    tutorials_of: dict[int, set[int]] = defaultdict(set)
    for school_id, tutorial_id, user_id in registrations:
        who[(tutorial_id, user_id)] = school_id
        tutorials_of[school_id].add(tutorial_id)
        figures[school_id]["registrations"] += 1
    for school_id, ids in tutorials_of.items():
        figures[school_id]["tutorials"] = len(ids)
    tutorial_ids = {t for t, _u in who}
    attended = (
        Attendance.objects.filter(session__tutorial_id__in=tutorial_ids)
        .values_list("session__tutorial_id", "user_id")
        .distinct()
    )
    for tutorial_id, user_id in attended:
        school = who.get((tutorial_id, user_id))
        if school is not None:
            figures[school]["attendances"] += 1
    sums: dict[int, list[int]] = defaultdict(list)
    for tutorial_id, user_id, rating in Feedback.objects.filter(tutorial_id__in=tutorial_ids).values_list(
        "tutorial_id", "user_id", "rating"
    ):
        school = who.get((tutorial_id, user_id))
        if school is not None:
            sums[school].append(rating)
    for school_id, values in sums.items():
        figures[school_id]["tutorial_rating"] = sum(values) / len(values)
        figures[school_id]["tutorial_rating_n"] = len(values)
    for school_id, count in (
        Material.objects.filter(
            status=MaterialStatus.PUBLISHED,
            origin_organisation__isnull=False,
            subjects__id=subject_id,
            published_at__gte=start,
            published_at__lte=end,
        )
        .values_list("origin_organisation_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    ):
        figures[school_id]["materials"] = count
    return {k: {**v, "routes": dict(v["routes"])} for k, v in figures.items()}


def teachers_behind(campaign_id: int, school_id: int, topic_id: int) -> list[dict[str, Any]]:
    """The teachers of one heatmap cell with their percentage (names: the caller checked), 1 query."""
    rows = (
        TopicResult.objects.filter(
            attempt__campaign_id=campaign_id,
            attempt__status=Attempt.Status.FINAL,
            attempt__school_id=school_id,
            topic_id=topic_id,
        )
        .select_related("attempt__teacher")
        .order_by("attempt__teacher__last_name", "attempt__teacher__first_name", "pk")
    )
    return [{"teacher": r.attempt.teacher, "attempt_id": r.attempt_id, "percent": r.percent} for r in rows]
