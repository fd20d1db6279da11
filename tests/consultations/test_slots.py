"""What teachers browse (free slots, the week view, tutors by subject), and the tutor's
slots never overlapping, held by PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from consultations import selectors
from consultations.models import Slot
from tenants.models import Organisation
from tests.conftest import District, member
from tests.factories import SubjectFactory

from .factories import OfferingFactory, SlotFactory, book_slot, expected_starts, tutor_in

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=MOSCOW)  # a Monday morning


def at(days: float, hour: int = 10) -> datetime:
    return (NOW + timedelta(days=days)).replace(hour=hour)


def test_a_tutors_overlapping_slots_are_refused_by_postgresql(centre: Organisation) -> None:
    tutor = tutor_in(centre)
    first = SlotFactory(offering=OfferingFactory(tutor=tutor), starts_at=at(1))

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        # Another offering of the same tutor, 15 minutes later: bypasses every service.
        SlotFactory(offering=OfferingFactory(tutor=tutor), starts_at=first.starts_at + timedelta(minutes=15))

    assert "tutor_slots_do_not_overlap" in str(caught.value)


def test_a_raw_insert_of_an_overlapping_slot_is_refused_too(centre: Organisation) -> None:
    tutor = tutor_in(centre)
    first = SlotFactory(offering=OfferingFactory(tutor=tutor), starts_at=at(1))

    with pytest.raises(IntegrityError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO consultations_slot (offering_id, tutor_id, starts_at, ends_at, capacity, booked,"
            " offered, is_cancelled, video_room, created_at)"
            " VALUES (%s, %s, %s, %s, 1, 0, 0, false, '', now())",
            [first.offering_id + 0, tutor.pk, first.starts_at + timedelta(minutes=44), at(1, 12)],
        )

    assert "tutor_slots_do_not_overlap" in str(caught.value)


def test_back_to_back_slots_and_slots_of_different_tutors_at_one_time_are_fine(centre: Organisation) -> None:
    tutor = tutor_in(centre)
    offering = OfferingFactory(tutor=tutor)
    other = OfferingFactory(tutor=tutor_in(centre))
    first = SlotFactory(offering=offering, starts_at=at(1))
    SlotFactory(offering=offering, starts_at=first.ends_at)
    SlotFactory(offering=other, starts_at=first.starts_at)

    saved = Slot.objects.filter(offering__in=[offering, other]).order_by("starts_at", "tutor_id")
    assert [(s.tutor_id, s.starts_at) for s in saved] == sorted(
        [(tutor.pk, first.starts_at), (other.tutor_id, first.starts_at), (tutor.pk, first.ends_at)],
        key=lambda pair: (pair[1], pair[0]),
    )


def test_a_cancelled_slot_does_not_block_a_new_one_at_the_same_time(centre: Organisation) -> None:
    tutor = tutor_in(centre)
    SlotFactory(offering=OfferingFactory(tutor=tutor), starts_at=at(1), is_cancelled=True)

    again = SlotFactory(offering=OfferingFactory(tutor=tutor), starts_at=at(1))

    assert not again.is_cancelled


def test_free_slots_leave_out_full_cancelled_too_soon_too_far_and_inactive(centre: Organisation) -> None:
    tutor = tutor_in(centre)
    offering = OfferingFactory(tutor=tutor, min_notice_hours=12, horizon_days=14)
    bookable = SlotFactory(offering=offering, starts_at=at(2))
    full = SlotFactory(offering=offering, starts_at=at(3))
    book_slot(slot=full)
    SlotFactory(offering=offering, starts_at=at(4), is_cancelled=True)
    SlotFactory(offering=offering, starts_at=NOW + timedelta(hours=3))  # within the notice
    SlotFactory(offering=offering, starts_at=at(20))  # beyond the horizon
    SlotFactory(offering=offering, starts_at=NOW - timedelta(days=1))  # past
    inactive = OfferingFactory(tutor=tutor, is_active=False)
    SlotFactory(offering=inactive, starts_at=at(5))

    free = list(selectors.free_slots(now=NOW, tutor_id=tutor.pk))

    assert free == [bookable]


def test_a_place_offered_to_the_waitlist_is_not_free(centre: Organisation) -> None:
    offering = OfferingFactory(tutor=tutor_in(centre), group=True, capacity=2)
    slot = SlotFactory(offering=offering, starts_at=at(2))
    book_slot(slot=slot)
    Slot.objects.filter(pk=slot.pk).update(offered=1)

    assert list(selectors.free_slots(now=NOW, tutor_id=offering.tutor_id)) == []


def test_free_slots_filter_by_subject_and_local_dates(centre: Organisation) -> None:
    tutor = tutor_in(centre)
    maths, physics = SubjectFactory(), SubjectFactory()
    monday_maths = SlotFactory(offering=OfferingFactory(tutor=tutor, subject=maths), starts_at=at(7, 1))
    tuesday_maths = SlotFactory(offering=monday_maths.offering, starts_at=at(8))
    SlotFactory(offering=OfferingFactory(tutor=tutor, subject=physics), starts_at=at(7, 12))

    by_subject = list(selectors.free_slots(now=NOW, subject_id=maths.pk))
    # 01:00 Moscow on Monday 8 February is still Sunday in UTC: the day is the local one.
    on_monday = list(
        selectors.free_slots(now=NOW, tutor_id=tutor.pk, date_from=date(2027, 2, 8), date_to=date(2027, 2, 8))
    )

    assert by_subject == [monday_maths, tuesday_maths]
    assert [s.offering.subject_id for s in on_monday] == [maths.pk, physics.pk]


def test_the_week_view_shows_full_slots_too_and_only_that_local_week(centre: Organisation) -> None:
    tutor = tutor_in(centre)
    offering = OfferingFactory(tutor=tutor)
    full = SlotFactory(offering=offering, starts_at=datetime(2027, 2, 8, 0, 30, tzinfo=MOSCOW))
    book_slot(slot=full)
    late_sunday = SlotFactory(offering=offering, starts_at=datetime(2027, 2, 14, 23, 0, tzinfo=MOSCOW))
    SlotFactory(offering=offering, starts_at=datetime(2027, 2, 15, 0, 0, tzinfo=MOSCOW))
    SlotFactory(offering=offering, starts_at=datetime(2027, 2, 7, 23, 0, tzinfo=MOSCOW))

    week = list(selectors.slots_for_week(tutor_id=tutor.pk, week_start=date(2027, 2, 8), zone=MOSCOW))

    assert week == [full, late_sunday]
    assert week[0].free_places == 0


def test_tutors_by_subject_come_from_their_memberships_or_their_offerings(
    centre: Organisation, district: District
) -> None:
    maths = SubjectFactory()
    listed = member(centre, Role.TUTOR, last_name="Аксенова")
    listed.subjects.add(maths)
    offers = member(centre, Role.TUTOR, last_name="Борисов")
    OfferingFactory(tutor=offers.user, subject=maths)
    member(centre, Role.TUTOR, last_name="Власова")  # another subject
    member(centre, Role.METHODOLOGIST).subjects.add(maths)  # not a tutor
    member(district.school_a, Role.TUTOR).subjects.add(maths)  # a school's mentor

    found = list(selectors.tutors(organisation=centre, subject_id=maths.pk))

    assert found == [listed, offers]
    assert selectors.tutors(organisation=centre).filter(pk=listed.pk).exists()


def test_the_hourly_sweep_generates_slots_up_to_the_horizon_in_every_organisation(district: District) -> None:
    from datetime import time

    from consultations.models import WeeklyAvailability
    from consultations.tasks import slots_extend_for

    with tenant_context(district.centre):
        offering = OfferingFactory(tutor=tutor_in(district.centre), horizon_days=14)
        for weekday in range(7):
            WeeklyAvailability.objects.create(
                offering=offering, weekday=weekday, starts=time(10), ends=time(11)
            )
        assert not Slot.objects.filter(offering=offering).exists()
    # The chunk task enters each organisation itself (called here in-process).
    before = timezone.now()
    slots_extend_for([district.centre.pk, district.school_a.pk])
    after = timezone.now()
    with tenant_context(district.centre):
        created = set(
            Slot.objects.filter(offering=offering, is_cancelled=False).values_list("starts_at", flat=True)
        )
        # One a day at 10:00 for the coming two weeks.
        windows = [(weekday, time(10), time(11)) for weekday in range(7)]
        expected = [
            expected_starts(
                district.centre.zone, windows, slot_minutes=45, buffer_minutes=15, horizon_days=14, now=now
            )
            for now in (before, after)
        ]
        assert created in expected
        slots_extend_for([district.centre.pk])
        assert Slot.objects.filter(offering=offering, is_cancelled=False).count() == len(created)
