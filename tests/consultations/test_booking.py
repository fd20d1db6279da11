"""Booking, cancelling, rescheduling and what happens after: the rules, with the invariants
PostgreSQL holds even when the services are bypassed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from accounts.models import AuditEvent, Role
from consultations.errors import BookingClosedError, DeadlinePassedError, OverlapError, SlotTakenError
from consultations.models import Booking, Rating, Slot
from consultations.services import (
    booking_cancel,
    booking_create,
    booking_mark,
    booking_rate,
    booking_reschedule,
    waitlist_join,
)
from notifications.models import Kind, Notification
from tenants.models import Organisation
from tests.conftest import District, member
from tutornet.errors import ConflictError, NotFoundError, PermissionDeniedError, TutornetError

from .factories import OfferingFactory, SlotFactory, book_slot, school_of, teacher_in, tutor_in

pytestmark = pytest.mark.django_db

QUESTION = "Как подготовить девятиклассников к заданию 25 ОГЭ?"


def soon(days: float = 3, hour: int = 10):  # noqa: ANN201
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def book(slot: Slot, teacher, district: District, **kwargs) -> Booking:  # noqa: ANN001
    """Book as a teacher of the school they work at (``booking_create`` checks it is theirs)."""
    return booking_create(
        slot_id=slot.pk, teacher=teacher, teacher_organisation=school_of(teacher), question=QUESTION, **kwargs
    )


def test_a_teacher_books_a_free_slot_with_their_question(centre: Organisation, district: District) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)))
    teacher = teacher_in(district.school_a)

    booking = booking_create(
        slot_id=slot.pk, teacher=teacher, teacher_organisation=district.school_a, question=f"  {QUESTION} "
    )

    slot.refresh_from_db()
    assert (booking.status, booking.question, booking.teacher_organisation) == (
        "confirmed",
        QUESTION,
        district.school_a,
    )
    assert (booking.starts_at, booking.ends_at) == (slot.starts_at, slot.ends_at)
    assert (slot.booked, slot.free_places) == (1, 0)
    assert AuditEvent.objects.filter(action="consultations.booking_create", actor=teacher).exists()
    # Both sides are told, through the outbox, in the same transaction.
    assert set(
        Notification.objects.filter(kind=Kind.BOOKING_CONFIRMED, organisation=centre).values_list(
            "recipient_id", flat=True
        )
    ) >= {teacher.pk, slot.tutor_id}


def test_an_individual_slot_never_takes_a_second_booking(centre: Organisation, district: District) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)))
    book(slot, teacher_in(district.school_a), district)

    with pytest.raises(SlotTakenError) as caught:
        book(slot, teacher_in(district.school_b), district)

    assert caught.value.code == "slot_taken" and caught.value.status == 409
    assert str(caught.value) == "This time is already taken." or "занято" in str(caught.value)
    assert Booking.objects.filter(slot=slot).count() == 1


def test_a_full_group_slot_takes_no_more_bookings(centre: Organisation, district: District) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre), group=True, capacity=3))
    for _ in range(3):
        book(slot, teacher_in(district.school_a), district)

    with pytest.raises(SlotTakenError):
        book(slot, teacher_in(district.school_a), district)

    slot.refresh_from_db()
    assert slot.booked == 3 == Booking.objects.filter(slot=slot).count()


def test_postgresql_refuses_a_slot_counter_beyond_its_capacity(centre: Organisation) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre), group=True, capacity=2))

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=2, offered=1)

    assert "slot_not_overbooked" in str(caught.value)


def test_a_teacher_cannot_hold_two_overlapping_bookings(centre: Organisation, district: District) -> None:
    first = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)), starts_at=soon(hour=10))
    overlapping = SlotFactory(
        offering=OfferingFactory(tutor=tutor_in(centre)), starts_at=first.starts_at + timedelta(minutes=30)
    )
    teacher = teacher_in(district.school_a)
    book(first, teacher, district)

    with pytest.raises(OverlapError):
        book(overlapping, teacher, district)

    overlapping.refresh_from_db()
    assert overlapping.booked == 0
    assert Booking.objects.filter(teacher=teacher).count() == 1


def test_the_exclusion_constraint_refuses_an_overlapping_booking_created_past_the_service(
    centre: Organisation, district: District
) -> None:
    teacher = teacher_in(district.school_a)
    first = book_slot(teacher=teacher, slot=SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre))))
    other_slot = SlotFactory(
        offering=OfferingFactory(tutor=tutor_in(centre)), starts_at=first.starts_at + timedelta(minutes=10)
    )

    with pytest.raises(IntegrityError) as orm, transaction.atomic():
        Booking.objects.create(
            slot=other_slot,
            teacher=teacher,
            starts_at=other_slot.starts_at,
            ends_at=other_slot.ends_at,
            question=QUESTION,
        )
    with pytest.raises(IntegrityError) as raw, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO consultations_booking (slot_id, teacher_id, starts_at, ends_at, question,"
            " status, created_at, cancel_reason, outcome_note)"
            " VALUES (%s, %s, %s, %s, 'raw', 'confirmed', now(), '', '')",
            [other_slot.pk, teacher.pk, other_slot.starts_at, other_slot.ends_at],
        )

    assert "teacher_bookings_do_not_overlap" in str(orm.value)
    assert "teacher_bookings_do_not_overlap" in str(raw.value)
    # A cancelled booking no longer blocks the time.
    Booking.objects.filter(pk=first.pk).update(status="cancelled", cancelled_at=timezone.now())
    Booking.objects.create(
        slot=other_slot,
        teacher=teacher,
        starts_at=other_slot.starts_at,
        ends_at=other_slot.ends_at,
        question="ok",
    )


def test_booking_the_same_slot_twice_is_refused(centre: Organisation, district: District) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre), group=True))
    teacher = teacher_in(district.school_a)
    book(slot, teacher, district)

    # No pre-check: the unique constraint refuses it, and the answer still says why.
    with translation.override("en"), pytest.raises(OverlapError) as caught:
        book(slot, teacher, district)

    assert caught.value.message == "You have already booked this consultation."
    slot.refresh_from_db()
    assert slot.booked == 1
    assert Booking.objects.filter(slot=slot, teacher=teacher).count() == 1


@pytest.mark.parametrize("question", ["", "   \n "])
def test_an_empty_question_is_refused_naming_the_field_and_nothing_is_written(
    centre: Organisation, district: District, question: str
) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)))

    with pytest.raises(TutornetError) as caught:
        booking_create(
            slot_id=slot.pk,
            teacher=teacher_in(district.school_a),
            teacher_organisation=district.school_a,
            question=question,
        )

    assert caught.value.field == "question"
    slot.refresh_from_db()
    assert slot.booked == 0 and not Booking.objects.filter(slot=slot).exists()


def test_an_unknown_slot_is_not_found_naming_the_field(centre: Organisation, district: District) -> None:
    with pytest.raises(NotFoundError) as caught:
        booking_create(
            slot_id="x",
            teacher=teacher_in(district.school_a),
            teacher_organisation=district.school_a,
            question="Q",
        )
    assert caught.value.field == "slot"


def test_cancelled_past_too_soon_and_too_far_slots_cannot_be_booked(
    centre: Organisation, district: District
) -> None:
    offering = OfferingFactory(tutor=tutor_in(centre), min_notice_hours=12, horizon_days=14)
    now = timezone.now()
    cases = {
        "cancelled": SlotFactory(offering=offering, starts_at=soon(2), is_cancelled=True),
        "started": SlotFactory(offering=offering, starts_at=now - timedelta(minutes=5)),
        "notice": SlotFactory(offering=offering, starts_at=now + timedelta(hours=6)),
        "horizon": SlotFactory(offering=offering, starts_at=now + timedelta(days=15)),
    }
    teacher = teacher_in(district.school_a)

    messages = {}
    for case, slot in cases.items():
        with pytest.raises(BookingClosedError) as caught:
            book(slot, teacher, district, now=now)
        messages[case] = str(caught.value)
        assert caught.value.field == "slot"

    assert "12" in messages["notice"] and "14" in messages["horizon"]
    assert not Booking.objects.filter(teacher=teacher).exists()


def test_a_tutor_cannot_book_their_own_slot(centre: Organisation) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)))

    with pytest.raises(TutornetError):
        booking_create(slot_id=slot.pk, teacher=slot.tutor, teacher_organisation=None, question=QUESTION)


# --- cancel and reschedule -----------------------------------------------------------------------


def test_the_teacher_cancels_before_the_deadline_and_the_place_is_free_again(
    centre: Organisation, district: District
) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)))
    teacher = teacher_in(district.school_a)
    booking = book(slot, teacher, district)

    cancelled = booking_cancel(booking_id=booking.pk, actor=teacher)

    slot.refresh_from_db()
    assert (cancelled.status, cancelled.cancelled_by, slot.booked, slot.free_places) == (
        "cancelled",
        teacher,
        0,
        1,
    )
    assert book(slot, teacher_in(district.school_b), district).status == "confirmed"


def test_the_tutor_must_give_a_reason_to_cancel(centre: Organisation, district: District) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)))
    booking = book(slot, teacher_in(district.school_a), district)

    with pytest.raises(TutornetError) as caught:
        booking_cancel(booking_id=booking.pk, actor=slot.tutor, reason="  ")
    assert caught.value.field == "reason"
    booking.refresh_from_db()
    assert booking.status == "confirmed"

    booking_cancel(booking_id=booking.pk, actor=slot.tutor, reason="Заболела")
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason, booking.cancelled_by_id) == (
        "cancelled",
        "Заболела",
        slot.tutor_id,
    )


def test_only_the_teacher_and_the_tutor_can_cancel(centre: Organisation, district: District) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)))
    booking = book(slot, teacher_in(district.school_a), district)

    for stranger in (
        teacher_in(district.school_a),
        member(centre, Role.METHODOLOGIST).user,
        tutor_in(centre),
    ):
        with pytest.raises(PermissionDeniedError):
            booking_cancel(booking_id=booking.pk, actor=stranger, reason="Хочу")

    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_cancelling_after_the_deadline_is_refused_naming_the_deadline_in_local_time(
    centre: Organisation, district: District
) -> None:
    offering = OfferingFactory(tutor=tutor_in(centre), cancel_deadline_hours=24)
    slot = SlotFactory(offering=offering, starts_at=soon(3, hour=12))
    teacher = teacher_in(district.school_a)
    booking = book(slot, teacher, district)
    deadline = slot.starts_at - timedelta(hours=24)
    local_deadline = timezone.localtime(deadline, centre.zone).strftime("%d.%m.%Y %H:%M")

    with pytest.raises(DeadlinePassedError) as caught:
        booking_cancel(booking_id=booking.pk, actor=teacher, now=deadline + timedelta(minutes=1))

    assert caught.value.status == 409
    assert local_deadline in str(caught.value)
    assert str(caught.value) == f"Cancelling is possible until {local_deadline}" or "до" in str(caught.value)
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    # One minute before the deadline it still works.
    assert booking_cancel(
        booking_id=booking.pk, actor=teacher, now=deadline - timedelta(minutes=1)
    ).status == ("cancelled")


def test_a_cancelled_booking_cannot_be_cancelled_again(centre: Organisation, district: District) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre), group=True))
    teacher = teacher_in(district.school_a)
    booking = book(slot, teacher, district)
    booking_cancel(booking_id=booking.pk, actor=teacher)

    with pytest.raises(ConflictError):
        booking_cancel(booking_id=booking.pk, actor=teacher)
    slot.refresh_from_db()
    assert slot.booked == 0


def test_rescheduling_moves_the_booking_to_another_slot_of_the_tutor_in_one_step(
    centre: Organisation, district: District
) -> None:
    offering = OfferingFactory(tutor=tutor_in(centre))
    old_slot = SlotFactory(offering=offering, starts_at=soon(3))
    new_slot = SlotFactory(offering=offering, starts_at=soon(4))
    teacher = teacher_in(district.school_a)
    booking = book(old_slot, teacher, district)

    new = booking_reschedule(booking_id=booking.pk, new_slot_id=new_slot.pk, actor=teacher)

    booking.refresh_from_db()
    old_slot.refresh_from_db()
    new_slot.refresh_from_db()
    assert booking.status == "cancelled"
    assert (new.slot_id, new.rescheduled_from_id, new.question, new.teacher_id) == (
        new_slot.pk,
        booking.pk,
        QUESTION,
        teacher.pk,
    )
    assert (old_slot.booked, new_slot.booked) == (0, 1)


def test_rescheduling_to_a_full_slot_changes_nothing(centre: Organisation, district: District) -> None:
    offering = OfferingFactory(tutor=tutor_in(centre))
    old_slot = SlotFactory(offering=offering, starts_at=soon(3))
    full_slot = SlotFactory(offering=offering, starts_at=soon(4))
    book(full_slot, teacher_in(district.school_b), district)
    teacher = teacher_in(district.school_a)
    booking = book(old_slot, teacher, district)

    with pytest.raises(SlotTakenError) as caught:
        booking_reschedule(booking_id=booking.pk, new_slot_id=full_slot.pk, actor=teacher)

    assert caught.value.field == "new_slot"
    booking.refresh_from_db()
    old_slot.refresh_from_db()
    assert (booking.status, old_slot.booked) == ("confirmed", 1)


def test_rescheduling_after_the_deadline_or_to_another_tutor_is_refused(
    centre: Organisation, district: District
) -> None:
    offering = OfferingFactory(tutor=tutor_in(centre), cancel_deadline_hours=12)
    old_slot = SlotFactory(offering=offering, starts_at=soon(3))
    teacher = teacher_in(district.school_a)
    booking = book(old_slot, teacher, district)
    later = SlotFactory(offering=offering, starts_at=soon(4))
    elsewhere = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)), starts_at=soon(5))

    with pytest.raises(DeadlinePassedError) as late:
        booking_reschedule(
            booking_id=booking.pk,
            new_slot_id=later.pk,
            actor=teacher,
            now=old_slot.starts_at - timedelta(hours=2),
        )
    with pytest.raises(TutornetError) as other_tutor:
        booking_reschedule(booking_id=booking.pk, new_slot_id=elsewhere.pk, actor=teacher)
    with pytest.raises(TutornetError) as no_reason:
        booking_reschedule(booking_id=booking.pk, new_slot_id=later.pk, actor=offering.tutor)

    local_deadline = timezone.localtime(old_slot.starts_at - timedelta(hours=12), centre.zone)
    assert local_deadline.strftime("%d.%m.%Y %H:%M") in str(late.value)
    assert other_tutor.value.field == "new_slot"
    assert no_reason.value.field == "reason"
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    moved = booking_reschedule(
        booking_id=booking.pk, new_slot_id=later.pk, actor=offering.tutor, reason="Курсы"
    )
    assert moved.slot_id == later.pk


# --- after the consultation ------------------------------------------------------------------------


def past_booking(centre: Organisation, district: District) -> Booking:
    slot = SlotFactory(
        offering=OfferingFactory(tutor=tutor_in(centre)), starts_at=timezone.now() - timedelta(minutes=50)
    )
    return book_slot(slot=slot, teacher=teacher_in(district.school_a))


def test_the_tutor_marks_a_consultation_held_with_an_outcome_after_it_started(
    centre: Organisation, district: District
) -> None:
    booking = past_booking(centre, district)

    marked = booking_mark(
        booking_id=booking.pk, actor=booking.slot.tutor, status="held", outcome_note="Разобрали критерии"
    )
    assert (marked.status, marked.outcome_note) == ("held", "Разобрали критерии")
    # The tutor can correct it.
    assert booking_mark(booking_id=booking.pk, actor=booking.slot.tutor, status="no_show").status == "no_show"


def test_only_the_slots_tutor_marks_and_only_after_the_start(
    centre: Organisation, district: District
) -> None:
    booking = past_booking(centre, district)
    future = book(
        SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre))), teacher_in(district.school_a), district
    )

    with pytest.raises(PermissionDeniedError):
        booking_mark(booking_id=booking.pk, actor=booking.teacher, status="held")
    with pytest.raises(PermissionDeniedError):
        booking_mark(booking_id=booking.pk, actor=tutor_in(centre), status="held")
    with pytest.raises(ConflictError):
        booking_mark(booking_id=future.pk, actor=future.slot.tutor, status="held")
    with pytest.raises(TutornetError) as bad:
        booking_mark(booking_id=booking.pk, actor=booking.slot.tutor, status="confirmed")

    assert bad.value.field == "status"
    booking.refresh_from_db()
    future.refresh_from_db()
    assert (booking.status, future.status) == ("confirmed", "confirmed")


def test_the_teacher_rates_their_held_consultation_and_can_change_the_rating(
    centre: Organisation, district: District
) -> None:
    booking = past_booking(centre, district)
    booking_mark(booking_id=booking.pk, actor=booking.slot.tutor, status="held")

    first = booking_rate(booking_id=booking.pk, teacher=booking.teacher, score=4, comment="Полезно")
    second = booking_rate(booking_id=booking.pk, teacher=booking.teacher, score="5", comment="Очень полезно")

    assert first.pk == second.pk
    rating = Rating.objects.get(booking=booking)
    assert (rating.score, rating.comment) == (5, "Очень полезно")


def test_ratings_are_refused_for_others_bookings_unheld_ones_and_out_of_range_scores(
    centre: Organisation, district: District
) -> None:
    held = past_booking(centre, district)
    booking_mark(booking_id=held.pk, actor=held.slot.tutor, status="held")
    no_show = past_booking(centre, district)
    booking_mark(booking_id=no_show.pk, actor=no_show.slot.tutor, status="no_show")

    with pytest.raises(NotFoundError):
        booking_rate(booking_id=held.pk, teacher=teacher_in(district.school_a), score=5)
    with pytest.raises(ConflictError):
        booking_rate(booking_id=no_show.pk, teacher=no_show.teacher, score=5)
    for score in (0, 6, "five"):
        with pytest.raises(TutornetError) as bad:
            booking_rate(booking_id=held.pk, teacher=held.teacher, score=score)
        assert bad.value.field == "score"

    assert not Rating.objects.filter(booking__in=[held, no_show]).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(booking=held, score=7)


# --- who may book: the service checks it itself ---------------------------------------------------


def test_booking_in_the_name_of_a_school_that_is_not_the_teachers_is_refused(
    centre: Organisation, district: District
) -> None:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre), group=True))
    teacher = teacher_in(district.school_a)

    with pytest.raises(PermissionDeniedError):
        booking_create(
            slot_id=slot.pk, teacher=teacher, teacher_organisation=district.school_b, question=QUESTION
        )
    with pytest.raises(PermissionDeniedError):
        waitlist_join(
            slot_id=slot.pk, teacher=teacher, teacher_organisation=district.school_b, question=QUESTION
        )

    slot.refresh_from_db()
    assert slot.booked == 0 and not Booking.objects.filter(slot=slot).exists()


def test_a_person_without_a_membership_here_cannot_book_or_join_the_waitlist(
    centre: Organisation, district: District
) -> None:
    from tests.factories import UserFactory

    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre), group=True))
    stranger = UserFactory()

    with pytest.raises(PermissionDeniedError):
        booking_create(slot_id=slot.pk, teacher=stranger, teacher_organisation=None, question=QUESTION)
    with pytest.raises(PermissionDeniedError):
        waitlist_join(slot_id=slot.pk, teacher=stranger, teacher_organisation=None, question=QUESTION)
    assert not Booking.objects.filter(slot=slot).exists()


def test_a_teacher_of_one_school_cannot_book_another_schools_own_consultations(district: District) -> None:
    with tenant_context(district.school_b):
        slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(district.school_b)))
        teacher = teacher_in(district.school_a)

        with pytest.raises(PermissionDeniedError):
            booking_create(
                slot_id=slot.pk, teacher=teacher, teacher_organisation=district.school_a, question=QUESTION
            )
        assert not Booking.objects.filter(slot=slot).exists()
