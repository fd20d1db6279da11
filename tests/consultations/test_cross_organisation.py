"""One person, several organisations: a teacher's consultations never overlap, even when one is
booked with the centre's tutor and the other with their own school's mentor (two schemas).

PostgreSQL holds it with ``accounts.TeacherBusy`` in the public schema, written in the
booking's own transaction; the refusal is the same clear overlap message, naming the other
consultation, and nothing of the refused booking is written."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone, translation
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from accounts.models import TeacherBusy, User
from consultations import ics
from consultations.errors import OverlapError
from consultations.models import Booking, Slot, WaitlistEntry
from consultations.services import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    waitlist_confirm,
    waitlist_join,
)
from tenants.models import Organisation
from tests.conftest import District

from .factories import (
    OfferingFactory,
    SlotFactory,
    book_slot,
    booking_row_past_the_services,
    teacher_in,
    tutor_in,
)

pytestmark = pytest.mark.django_db

QUESTION = "Как выстроить ИОМ молодого учителя?"


def soon(days: float = 3, hour: int = 7) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def slot_in(
    organisation: Organisation, starts_at: datetime, *, tutor: User | None = None, **fields: object
) -> Slot:
    with tenant_context(organisation):
        offering = OfferingFactory(tutor=tutor or tutor_in(organisation), **fields)
        return SlotFactory(offering=offering, starts_at=starts_at)


def book(organisation: Organisation, slot: Slot, teacher: User, school: Organisation) -> Booking:
    with tenant_context(organisation):
        return booking_create(
            slot_id=slot.pk, teacher=teacher, teacher_organisation=school, question=QUESTION
        )


def busy_of(teacher: User) -> list[tuple[int, int]]:
    return list(
        TeacherBusy.objects.filter(user=teacher).order_by("pk").values_list("organisation_id", "booking_id")
    )


def counters(organisation: Organisation, slot: Slot) -> tuple[int, int]:
    with tenant_context(organisation):
        slot.refresh_from_db()
        return slot.booked, slot.offered


def bookings_of(organisation: Organisation, teacher: User) -> list[tuple[int, str]]:
    with tenant_context(organisation):
        return list(Booking.objects.filter(teacher=teacher).order_by("pk").values_list("slot_id", "status"))


def overlap_message(other: Slot, organisation: Organisation) -> str:
    ends = timezone.localtime(other.ends_at, organisation.zone)
    when = f"{ics.local_time(other.starts_at, organisation.zone)}–{ends:%H:%M}"
    return f"You already have a consultation at that time: {when}, {organisation.short_name}."


def test_a_teacher_booked_at_the_centre_cannot_book_an_overlapping_consultation_at_their_school(
    district: District,
) -> None:
    centre, school = district.centre, district.school_a
    teacher = teacher_in(school)
    centre_slot = slot_in(centre, soon())
    school_slot = slot_in(school, centre_slot.starts_at + timedelta(minutes=30))
    first = book(centre, centre_slot, teacher, school)

    with translation.override("en"), pytest.raises(OverlapError) as caught:
        book(school, school_slot, teacher, school)

    assert caught.value.status == 409 and caught.value.code == "overlap" and caught.value.field == "slot"
    assert caught.value.message == overlap_message(centre_slot, centre)
    # Nothing of the refused booking is written.
    assert bookings_of(school, teacher) == []
    assert counters(school, school_slot) == (0, 0)
    assert busy_of(teacher) == [(centre.pk, first.pk)]
    assert counters(centre, centre_slot) == (1, 0)


def test_after_cancelling_the_first_the_overlapping_one_in_the_other_organisation_is_booked(
    district: District,
) -> None:
    centre, school = district.centre, district.school_a
    teacher = teacher_in(school)
    school_slot = slot_in(school, soon())
    centre_slot = slot_in(centre, school_slot.starts_at + timedelta(minutes=15))
    first = book(school, school_slot, teacher, school)
    with pytest.raises(OverlapError):
        book(centre, centre_slot, teacher, school)

    with tenant_context(school):
        booking_cancel(booking_id=first.pk, actor=teacher)
    assert busy_of(teacher) == []
    second = book(centre, centre_slot, teacher, school)

    assert bookings_of(centre, teacher) == [(centre_slot.pk, "confirmed")]
    assert busy_of(teacher) == [(centre.pk, second.pk)]
    assert counters(centre, centre_slot) == (1, 0)
    assert counters(school, school_slot) == (0, 0)


def test_back_to_back_consultations_in_two_organisations_are_fine(district: District) -> None:
    teacher = teacher_in(district.school_a)
    centre_slot = slot_in(district.centre, soon())
    school_slot = slot_in(district.school_a, centre_slot.ends_at)

    book(district.centre, centre_slot, teacher, district.school_a)
    book(district.school_a, school_slot, teacher, district.school_a)

    assert len(busy_of(teacher)) == 2


def test_over_the_api_the_overlap_elsewhere_is_a_409_naming_it(district: District) -> None:
    teacher = teacher_in(district.school_a)
    school_slot = slot_in(district.school_a, soon())
    centre_slot = slot_in(district.centre, school_slot.starts_at)
    book(district.school_a, school_slot, teacher, district.school_a)
    client = APIClient(HTTP_HOST=district.host(district.centre))
    client.force_login(teacher, backend="django.contrib.auth.backends.ModelBackend")

    response = client.post(
        "/api/consultations/bookings/",
        {"slot": centre_slot.pk, "question": QUESTION},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "overlap"
    assert district.school_a.short_name in str(response.json())
    assert bookings_of(district.centre, teacher) == []


def test_rescheduling_onto_a_time_taken_elsewhere_is_refused_and_the_booking_stays(
    district: District,
) -> None:
    centre, school = district.centre, district.school_a
    teacher = teacher_in(school)
    tutor = tutor_in(centre)
    with tenant_context(centre):
        offering = OfferingFactory(tutor=tutor)
        booked = SlotFactory(offering=offering, starts_at=soon(hour=6))
        clashing = SlotFactory(offering=offering, starts_at=soon(hour=10))
        free = SlotFactory(offering=offering, starts_at=soon(hour=12))
    school_slot = slot_in(school, soon(hour=10, days=3) + timedelta(minutes=20))
    first = book(centre, booked, teacher, school)
    elsewhere = book(school, school_slot, teacher, school)

    with tenant_context(centre):
        with pytest.raises(OverlapError) as caught:
            booking_reschedule(booking_id=first.pk, new_slot_id=clashing.pk, actor=teacher)
        assert caught.value.field == "new_slot"
        first.refresh_from_db()
        assert first.status == "confirmed"
    assert counters(centre, booked) == (1, 0) and counters(centre, clashing) == (0, 0)
    assert busy_of(teacher) == [(centre.pk, first.pk), (school.pk, elsewhere.pk)]

    # Moving it to a free time moves its busy time too.
    with tenant_context(centre):
        moved = booking_reschedule(booking_id=first.pk, new_slot_id=free.pk, actor=teacher)
    assert busy_of(teacher) == [(school.pk, elsewhere.pk), (centre.pk, moved.pk)]
    assert TeacherBusy.objects.get(booking_id=moved.pk, organisation=centre).during == DateTimeTZRange(
        free.starts_at, free.ends_at
    )


def test_a_waitlist_place_at_a_time_booked_elsewhere_is_refused_and_stays_offered(district: District) -> None:
    centre, school = district.centre, district.school_a
    teacher = teacher_in(school)
    group_slot = slot_in(centre, soon(), group=True, capacity=2)
    others = [book(centre, group_slot, teacher_in(district.school_b), district.school_b) for _ in range(2)]
    with tenant_context(centre):
        entry = waitlist_join(
            slot_id=group_slot.pk, teacher=teacher, teacher_organisation=school, question=QUESTION
        )
    book(school, slot_in(school, group_slot.starts_at), teacher, school)
    with tenant_context(centre):
        booking_cancel(booking_id=others[0].pk, actor=others[0].teacher)
        entry.refresh_from_db()
        assert entry.status == WaitlistEntry.Status.OFFERED

        with pytest.raises(OverlapError):
            waitlist_confirm(entry_id=entry.pk, teacher=teacher)

        entry.refresh_from_db()
        assert entry.status == WaitlistEntry.Status.OFFERED
    assert counters(centre, group_slot) == (1, 1)
    assert bookings_of(centre, teacher) == []
    assert [organisation for organisation, _ in busy_of(teacher)] == [school.pk]


def test_a_confirmed_waitlist_place_holds_the_teachers_time(district: District) -> None:
    centre, school = district.centre, district.school_a
    teacher = teacher_in(school)
    group_slot = slot_in(centre, soon(), group=True, capacity=2)
    others = [book(centre, group_slot, teacher_in(district.school_b), district.school_b) for _ in range(2)]
    with tenant_context(centre):
        entry = waitlist_join(
            slot_id=group_slot.pk, teacher=teacher, teacher_organisation=school, question=QUESTION
        )
        booking_cancel(booking_id=others[0].pk, actor=others[0].teacher)
        booking = waitlist_confirm(entry_id=entry.pk, teacher=teacher)

    assert busy_of(teacher) == [(centre.pk, booking.pk)]
    with pytest.raises(OverlapError):
        book(school, slot_in(school, group_slot.starts_at), teacher, school)


def test_postgresql_refuses_an_overlapping_busy_time_written_past_the_service(district: District) -> None:
    teacher = teacher_in(district.school_a)
    starts = soon()
    booking_ids = iter(range(10**12, 10**12 + 10))  # no real booking's id

    def busy(person: User, organisation: Organisation, minutes: tuple[int, int]) -> TeacherBusy:
        return TeacherBusy.objects.create(
            user=person,
            organisation=organisation,
            booking_id=next(booking_ids),
            during=(starts + timedelta(minutes=minutes[0]), starts + timedelta(minutes=minutes[1])),
        )

    busy(teacher, district.centre, (0, 45))

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        busy(teacher, district.school_a, (44, 90))

    assert "teacher_busy_times_do_not_overlap" in str(caught.value)
    # Another person at the same time, and the same person right after, are fine.
    busy(teacher_in(district.school_a), district.school_a, (0, 45))
    busy(teacher, district.school_a, (45, 90))


def test_the_migration_copies_the_busy_times_of_existing_active_bookings(district: District) -> None:
    migration = importlib.import_module("accounts.migrations.0002_teacher_busy")
    school = district.school_b
    teacher, twice_booked = teacher_in(school), teacher_in(school)
    # Rows as they were before the busy-time guard: written without their busy time.
    with tenant_context(school):
        active = booking_row_past_the_services(
            SlotFactory(offering=OfferingFactory(tutor=tutor_in(school))), teacher
        )
        booking_row_past_the_services(
            SlotFactory(
                offering=OfferingFactory(tutor=tutor_in(school)),
                starts_at=active.starts_at + timedelta(days=1),
            ),
            teacher,
            status="cancelled",
            cancelled_at=timezone.now(),
        )
        booking_row_past_the_services(
            SlotFactory(offering=OfferingFactory(tutor=tutor_in(school))), twice_booked
        )
    with tenant_context(district.centre):
        # Made before the guard, overlapping the school's booking: one of the two is skipped, not refused.
        booking_row_past_the_services(
            SlotFactory(
                offering=OfferingFactory(tutor=tutor_in(district.centre)), starts_at=active.starts_at
            ),
            twice_booked,
        )
    connection.set_schema_to_public()
    editor = SimpleNamespace(connection=connection)

    migration.busy_times_of_existing_bookings(apps, editor)
    migration.busy_times_of_existing_bookings(apps, editor)  # again: nothing twice

    busy = TeacherBusy.objects.get(user=teacher)
    assert (busy.organisation_id, busy.booking_id) == (school.pk, active.pk)
    assert busy.during == DateTimeTZRange(active.starts_at, active.ends_at)
    assert TeacherBusy.objects.filter(user=twice_booked).count() == 1


def test_a_booking_made_by_the_test_factory_holds_the_teachers_time_in_other_organisations(
    district: District,
) -> None:
    """The tests' ``book_slot`` goes through the service: a booking made with it has its busy
    time, so the teacher cannot book an overlapping consultation at their school (a factory
    writing the booking row alone would let tests pass with that rule broken)."""
    school = district.school_a
    teacher = teacher_in(school)
    at_centre = slot_in(district.centre, soon())
    with tenant_context(district.centre):
        booking = book_slot(at_centre, teacher)
    at_school = slot_in(school, at_centre.starts_at + timedelta(minutes=30))

    assert busy_of(teacher) == [(district.centre.pk, booking.pk)]
    with pytest.raises(OverlapError):
        book(school, at_school, teacher, school)
    assert bookings_of(school, teacher) == []
    assert counters(school, at_school) == (0, 0)
    assert counters(district.centre, at_centre) == (1, 0)
