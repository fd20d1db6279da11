"""Test data for consultations.

Offerings and slots are factory_boy factories writing rows directly (the availability
services that make them are tested on their own).  Bookings are made through the booking
services only (``book_slot``), so they carry everything the services write with them, the
busy time across organisations included; ``booking_row_past_the_services`` is the one
exception, for tests of rows the services never wrote."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from consultations import rules
from consultations.models import Booking, Offering, Slot
from tests.factories import SubjectFactory, UserFactory


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    tutor = factory.SubFactory(UserFactory)
    subject = factory.SubFactory(SubjectFactory)
    format = Offering.Format.INDIVIDUAL
    capacity = 1
    mode = Offering.Mode.VIDEO
    slot_minutes = 45
    buffer_minutes = 15
    min_notice_hours = 12
    horizon_days = 28
    cancel_deadline_hours = 12

    class Params:
        group = factory.Trait(format=Offering.Format.GROUP, capacity=5)
        in_person = factory.Trait(mode=Offering.Mode.IN_PERSON, place="ул. Ленина, 1, каб. 12")


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    offering = factory.SubFactory(OfferingFactory)
    tutor = factory.LazyAttribute(lambda o: o.offering.tutor)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.offering.slot_minutes))
    capacity = factory.LazyAttribute(lambda o: o.offering.capacity)


QUESTION = "Как построить урок по ФГОС?"
MINUTE = timedelta(minutes=1)


def book_slot(
    slot: Slot,
    teacher: Any = None,
    *,
    teacher_organisation: Any = "theirs",
    question: str = QUESTION,
    status: str = Booking.Status.CONFIRMED,
    outcome_note: str = "",
    now: datetime | None = None,
) -> Booking:
    """Book ``slot`` (in the active schema) through the services, as the app would.

    ``booking_create`` writes the booking, its busy time in the public schema
    (``accounts.TeacherBusy``), the slot's counter, the audit and the notifications;
    a test built on a booking made here therefore holds every rule the service holds.

    * ``teacher``: a new teacher of the active organisation when None.
    * ``teacher_organisation``: the organisation the teacher books from; by default the
      one they are a member of (None when it is the active one, as the pages pass it).
    * ``now``: when the booking is made.  By default the real time when the slot can be
      booked then, otherwise the last minute the rules allow (just before the minimum
      notice): so a slot in the past, or within the notice, or beyond the horizon of a
      fixed test date, is booked "back then", as the service's ``now=`` allows.
    * ``status``: ``cancelled`` cancels it by the teacher (``booking_cancel``, before the
      deadline); ``held`` / ``no_show`` marks it by the slot's tutor (``booking_mark``,
      which takes the real time: the slot must have started).
    """
    from consultations.here import current_organisation
    from consultations.services import booking_cancel, booking_create, booking_mark

    here = current_organisation()
    assert here is not None, "book inside the slot's organisation (tenant_context)"
    if teacher is None:
        teacher = teacher_in(here)
    if teacher_organisation == "theirs":
        theirs = school_of(teacher)
        teacher_organisation = None if theirs is None or theirs.pk == here.pk else theirs
    offering = slot.offering
    if now is None:
        now = timezone.now()
        if rules.closed_reason(slot, now) is not None:
            now = slot.starts_at - offering.min_notice_hours * rules.HOUR - MINUTE
    booking = booking_create(
        slot_id=slot.pk,
        teacher=teacher,
        teacher_organisation=teacher_organisation,
        question=question,
        now=now,
    )
    if status == Booking.Status.CANCELLED:
        deadline = rules.change_deadline(booking)
        booking = booking_cancel(booking_id=booking.pk, actor=teacher, now=min(now, deadline - MINUTE))
    elif status in (Booking.Status.HELD, Booking.Status.NO_SHOW):
        booking = booking_mark(
            booking_id=booking.pk, actor=slot.tutor, status=status, outcome_note=outcome_note
        )
    else:
        assert status == Booking.Status.CONFIRMED, f"book_slot cannot make a {status!r} booking"
    slot.refresh_from_db()
    return booking


def booking_row_past_the_services(slot: Slot, teacher: Any, **fields: Any) -> Booking:
    """A booking row written directly, WITHOUT its busy time (``accounts.TeacherBusy``) and
    without the slot's counter: only for tests of what PostgreSQL or a migration does with
    rows the services never wrote (the state before the busy-time guard existed, or the
    constraints refusing a write that bypasses the services).  Anything else: ``book_slot``."""
    fields.setdefault("question", QUESTION)
    return Booking.objects.create(
        slot=slot, teacher=teacher, starts_at=slot.starts_at, ends_at=slot.ends_at, **fields
    )


def tutor_in(organisation: Any) -> Any:
    """A new person with an active tutor membership in ``organisation``."""
    from accounts.models import Role
    from tests.conftest import member

    return member(organisation, Role.TUTOR).user


def teacher_in(organisation: Any) -> Any:
    from accounts.models import Role
    from tests.conftest import member

    return member(organisation, Role.TEACHER).user


def school_of(teacher: Any) -> Any:
    """The organisation of the teacher's (first) active membership: where they book from."""
    from accounts.models import Membership

    membership = (
        Membership.objects.select_related("organisation").filter(user=teacher, is_active=True).first()
    )
    return membership.organisation if membership is not None else None


def expected_starts(
    zone: ZoneInfo,
    windows: Iterable[tuple[int, time, time]],
    *,
    slot_minutes: int,
    buffer_minutes: int,
    horizon_days: int,
    now: datetime,
) -> set[datetime]:
    """The slot starts weekly windows ``(weekday, from, to)`` give in ``(now, now + horizon]``,
    worked out here from the wall clock of ``zone`` (what ``slots_generate`` must make).

    A test compares the slots with this for the time just before and just after the
    generation: it holds exactly unless a start passed the horizon in between."""
    windows = list(windows)
    length, step = timedelta(minutes=slot_minutes), timedelta(minutes=slot_minutes + buffer_minutes)
    first = timezone.localtime(now, zone).date()
    starts: set[datetime] = set()
    for offset in range(horizon_days + 2):
        day: date = first + timedelta(days=offset)
        for weekday, opens, closes in windows:
            if day.weekday() != weekday:
                continue
            wall, end = datetime.combine(day, opens), datetime.combine(day, closes)
            while wall + length <= end:
                starts.add(wall.replace(tzinfo=zone))
                wall += step
    return {start for start in starts if now < start <= now + timedelta(days=horizon_days)}
