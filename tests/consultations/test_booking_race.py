"""Concurrent booking attempts against real PostgreSQL: each thread has its own
connection, all start together at a barrier, and the data is committed (the row
lock and the exclusion constraint only mean something between transactions)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import TeacherBusy
from consultations.errors import OverlapError, SlotTakenError
from consultations.models import Booking, Slot
from consultations.services import booking_cancel, booking_create, booking_mark
from tenants.models import Organisation
from tests.conftest import District
from tutornet.errors import TutornetError

from .factories import OfferingFactory, SlotFactory, teacher_in, tutor_in

QUESTION = "Вопрос по КТП"


def race(organisation: Organisation, attempts: list[Callable[[], object]]) -> Counter[str]:
    """Run the attempts at once, one thread and one database connection each; tally the outcomes."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            with tenant_context(organisation):
                connection.ensure_connection()
                barrier.wait(timeout=30)
                attempt()
            outcome = "booked"
        except SlotTakenError:
            outcome = "slot_taken"
        except OverlapError:
            outcome = "overlap"
        except Exception as error:  # anything else is a failure the test reports
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a booking attempt hung"
    return Counter(outcomes)


def booking_attempt(slot: Slot, teacher: object, school: Organisation) -> Callable[[], object]:
    return lambda: booking_create(
        slot_id=slot.pk, teacher=teacher, teacher_organisation=school, question=QUESTION
    )


def test_twenty_teachers_racing_for_five_group_places_get_exactly_five_bookings(
    district: District, committed_db: None
) -> None:
    with tenant_context(district.centre):
        slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(district.centre), group=True, capacity=5))
        teachers = [teacher_in(district.school_a) for _ in range(20)]

    outcomes = race(district.centre, [booking_attempt(slot, t, district.school_a) for t in teachers])

    assert outcomes == Counter({"booked": 5, "slot_taken": 15}), outcomes
    with tenant_context(district.centre):
        slot.refresh_from_db()
        assert slot.booked == 5
        assert Booking.objects.filter(slot=slot, status="confirmed").count() == 5
        assert Booking.objects.filter(slot=slot).values("teacher").distinct().count() == 5


def test_ten_teachers_racing_for_an_individual_slot_get_exactly_one_booking(
    district: District, committed_db: None
) -> None:
    with tenant_context(district.centre):
        slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(district.centre)))
        teachers = [teacher_in(district.school_b) for _ in range(10)]

    outcomes = race(district.centre, [booking_attempt(slot, t, district.school_b) for t in teachers])

    assert outcomes == Counter({"booked": 1, "slot_taken": 9}), outcomes
    with tenant_context(district.centre):
        slot.refresh_from_db()
        assert slot.booked == 1 == Booking.objects.filter(slot=slot).count()


def test_one_teacher_racing_for_two_overlapping_slots_of_different_tutors_gets_one(
    district: District, committed_db: None
) -> None:
    starts = (timezone.now() + timedelta(days=4)).replace(minute=0, second=0, microsecond=0)
    with tenant_context(district.centre):
        first = SlotFactory(
            offering=OfferingFactory(tutor=tutor_in(district.centre), group=True), starts_at=starts
        )
        second = SlotFactory(
            offering=OfferingFactory(tutor=tutor_in(district.centre), group=True),
            starts_at=starts + timedelta(minutes=20),
        )
        teacher = teacher_in(district.school_a)

    attempts = [booking_attempt(slot, teacher, district.school_a) for slot in (first, second) * 5]
    outcomes = race(district.centre, attempts)

    assert outcomes == Counter({"booked": 1, "overlap": 9}), outcomes
    with tenant_context(district.centre):
        assert Booking.objects.filter(teacher=teacher, status="confirmed").count() == 1
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.booked + second.booked == 1


def test_teachers_racing_for_overlapping_consultations_in_the_centre_and_their_school_get_one_each(
    district: District, committed_db: None
) -> None:
    """The two bookings of each teacher live in two schemas: only the busy time in the public
    schema (``accounts.TeacherBusy``) stands between them."""
    centre, school = district.centre, district.school_a
    starts = (timezone.now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    with tenant_context(centre):
        centre_slot = SlotFactory(
            offering=OfferingFactory(tutor=tutor_in(centre), group=True, capacity=5), starts_at=starts
        )
    with tenant_context(school):
        school_slot = SlotFactory(
            offering=OfferingFactory(tutor=tutor_in(school), group=True, capacity=5),
            starts_at=starts + timedelta(minutes=20),
        )
        teachers = [teacher_in(school) for _ in range(4)]

    def at_school(teacher: object) -> Callable[[], object]:
        def attempt() -> object:
            with tenant_context(school):
                return booking_attempt(school_slot, teacher, school)()

        return attempt

    attempts = [booking_attempt(centre_slot, t, school) for t in teachers] + [at_school(t) for t in teachers]
    outcomes = race(centre, attempts)

    assert outcomes == Counter({"booked": 4, "overlap": 4}), outcomes
    active = []
    for organisation in (centre, school):
        with tenant_context(organisation):
            active += Booking.objects.filter(teacher__in=teachers, status="confirmed").values_list(
                "teacher_id", flat=True
            )
    assert sorted(active) == sorted(t.pk for t in teachers)
    busy = TeacherBusy.objects.filter(user__in=teachers)
    assert sorted(busy.values_list("user_id", flat=True)) == sorted(t.pk for t in teachers)
    with tenant_context(centre):
        centre_slot.refresh_from_db()
    with tenant_context(school):
        school_slot.refresh_from_db()
    assert centre_slot.booked + school_slot.booked == 4


def test_a_tutor_marking_a_booking_while_its_teacher_cancels_it_never_deadlocks(
    district: District, committed_db: None
) -> None:
    """``booking_mark`` and ``booking_cancel`` take their locks in the one order (slot, then
    booking): twenty pairs racing each end with one answer each, never a database error."""
    centre, school = district.centre, district.school_a
    base = (timezone.now() + timedelta(days=6)).replace(minute=0, second=0, microsecond=0)
    with tenant_context(centre):
        tutor = tutor_in(centre)
        offering = OfferingFactory(tutor=tutor, group=True, capacity=2)
        bookings = []
        for i in range(20):
            slot = SlotFactory(offering=offering, starts_at=base + timedelta(hours=i))
            teacher = teacher_in(school)
            bookings.append(booking_attempt(slot, teacher, school)())

    def mark(booking: Booking) -> Callable[[], object]:
        return lambda: booking_mark(booking_id=booking.pk, actor=tutor, status="held")

    def cancel(booking: Booking) -> Callable[[], object]:
        return lambda: booking_cancel(booking_id=booking.pk, actor=booking.teacher, reason="")

    errors: list[str] = []
    for booking in bookings:
        outcomes = race_any(centre, [mark(booking), cancel(booking)])
        errors += [outcome for outcome in outcomes if outcome.startswith("error")]
    assert errors == []
    with tenant_context(centre):
        assert not Booking.objects.filter(pk__in=[b.pk for b in bookings], status="confirmed").exists()
        assert sum(Slot.objects.filter(offering=offering).values_list("booked", flat=True)) == 0


def race_any(organisation: Organisation, attempts: list[Callable[[], object]]) -> list[str]:
    """Like ``race``, where any domain refusal is a fine answer and only other errors count."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            with tenant_context(organisation):
                connection.ensure_connection()
                barrier.wait(timeout=30)
                attempt()
            outcome = "done"
        except TutornetError as error:
            outcome = f"refused: {error.message}"
        except Exception as error:
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "an attempt hung"
    return outcomes
