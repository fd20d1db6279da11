"""Reads of consultations that are more than a one-line query.

Dates given as ``date`` are days in the organisation's time zone; slots are
stored in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, Q, QuerySet

from accounts.models import Membership, Role, User
from tenants.models import Organisation

from . import rules
from .here import current_zone
from .models import Booking, Offering, Rating, Slot
from .rules import DAY

# Days asked for are clamped to these: a filter of 0001-01-01..9999-12-31 is a wide
# filter, never an overflow.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _clamped(day: date) -> date:
    return min(max(day, FIRST_DAY), LAST_DAY)


def _start_of(day: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(day, datetime):
        return day
    return datetime.combine(_clamped(day), time(0), tzinfo=zone)


def _end_of(day: date | datetime, zone: ZoneInfo) -> datetime:
    """The instant the day ends (a ``date`` includes its whole day)."""
    if isinstance(day, datetime):
        return day
    return datetime.combine(_clamped(day) + DAY, time(0), tzinfo=zone)


def _slots() -> QuerySet[Slot]:
    return Slot.objects.select_related("offering", "offering__subject", "tutor").filter(
        is_cancelled=False, offering__is_active=True
    )


def free_slots(
    *,
    now: datetime,
    subject_id: int | None = None,
    tutor_id: int | None = None,
    date_from: date | datetime | None = None,
    date_to: date | datetime | None = None,
) -> QuerySet[Slot]:
    """Slots a teacher can book at ``now``: a free place, within each offering's notice and horizon."""
    zone = current_zone()
    queryset = rules.bookable(_slots(), now)
    if subject_id is not None:
        queryset = queryset.filter(offering__subject_id=subject_id)
    if tutor_id is not None:
        queryset = queryset.filter(tutor_id=tutor_id)
    if date_from is not None:
        queryset = queryset.filter(starts_at__gte=_start_of(date_from, zone))
    if date_to is not None:
        queryset = queryset.filter(starts_at__lt=_end_of(date_to, zone))
    return queryset.order_by("starts_at", "pk")


def slots_for_week(
    *, tutor_id: int | None = None, subject_id: int | None = None, week_start: date, zone: ZoneInfo
) -> QuerySet[Slot]:
    """Every active slot of the local week from ``week_start`` (full ones too), for the week view."""
    queryset = _slots().filter(
        starts_at__gte=_start_of(week_start, zone), starts_at__lt=_start_of(week_start + 7 * DAY, zone)
    )
    if tutor_id is not None:
        queryset = queryset.filter(tutor_id=tutor_id)
    if subject_id is not None:
        queryset = queryset.filter(offering__subject_id=subject_id)
    return queryset.order_by("starts_at", "pk")


def teacher_bookings(*, teacher: User) -> QuerySet[Booking]:
    """The teacher's own bookings (all statuses), soonest first."""
    return (
        Booking.objects.select_related("slot", "slot__offering", "slot__offering__subject", "slot__tutor")
        .filter(teacher=teacher)
        .order_by("starts_at", "pk")
    )


def tutor_calendar(*, tutor: User, date_from: date | datetime, date_to: date | datetime) -> QuerySet[Booking]:
    """The tutor's active bookings (with the teachers' questions) between the two days, inclusive."""
    zone = current_zone()
    return (
        Booking.objects.select_related("slot", "slot__offering", "slot__offering__subject", "teacher")
        .filter(
            slot__tutor=tutor,
            starts_at__gte=_start_of(date_from, zone),
            starts_at__lt=_end_of(date_to, zone),
        )
        .exclude(status=Booking.Status.CANCELLED)
        .order_by("starts_at", "pk")
    )


def tutor_ratings(*, tutor: User | None = None) -> QuerySet[Rating]:
    """Ratings, newest first: one tutor's, or (tutor None) every tutor's of the organisation."""
    queryset = Rating.objects.select_related(
        "booking",
        "booking__teacher",
        "booking__slot",
        "booking__slot__tutor",
        "booking__slot__offering__subject",
    )
    if tutor is not None:
        queryset = queryset.filter(booking__slot__tutor=tutor)
    return queryset.order_by("-created_at", "-pk")


def tutor_rating_summary(*, tutor: User | None = None) -> QuerySet:
    """Per tutor: ``tutor_id``, ``average`` and ``count`` of their ratings."""
    queryset = Rating.objects.all()
    if tutor is not None:
        queryset = queryset.filter(booking__slot__tutor=tutor)
    return (
        queryset.values(tutor_id=F("booking__slot__tutor_id"))
        .annotate(average=Avg("score"), count=Count("pk"))
        .order_by("tutor_id")
    )


def tutors(*, organisation: Organisation, subject_id: int | None = None) -> QuerySet[Membership]:
    """The organisation's active tutors (memberships, with ``user`` and ``subjects``).

    With a subject: tutors who list it in their membership or hold an active
    offering of it here.  Must run in ``organisation``'s schema (offerings live there).
    """
    queryset = (
        Membership.objects.select_related("user")
        .prefetch_related("subjects")
        .filter(organisation=organisation, role=Role.TUTOR, is_active=True, user__is_active=True)
    )
    if subject_id is not None:
        offering_tutors = Offering.objects.filter(subject_id=subject_id, is_active=True).values("tutor_id")
        queryset = queryset.filter(Q(subjects__id=subject_id) | Q(user_id__in=offering_tutors)).distinct()
    return queryset.order_by("user__last_name", "user__first_name", "user__email")
