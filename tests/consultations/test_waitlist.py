"""The waitlist of a full group consultation: a freed place is held for the next teacher
for a limited time, taken on confirming, passed on when declined or left unanswered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from consultations.errors import SlotTakenError, WaitlistError
from consultations.models import Booking, Slot, WaitlistEntry
from consultations.services import (
    booking_cancel,
    booking_create,
    waitlist_confirm,
    waitlist_decline,
    waitlist_expire_offers,
    waitlist_join,
)
from notifications.models import Kind, Notification
from tenants.models import Organisation
from tests.conftest import District
from tutornet.errors import TutornetError

from .factories import OfferingFactory, SlotFactory, teacher_in, tutor_in

pytestmark = pytest.mark.django_db

QUESTION = "Разбор заданий ЕГЭ"


def full_group_slot(
    centre: Organisation, district: District, capacity: int = 2
) -> tuple[Slot, list[Booking]]:
    slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre), group=True, capacity=capacity))
    bookings = [
        booking_create(
            slot_id=slot.pk,
            teacher=teacher_in(district.school_a),
            teacher_organisation=district.school_a,
            question=QUESTION,
        )
        for _ in range(capacity)
    ]
    slot.refresh_from_db()
    return slot, bookings


def join(slot: Slot, district: District) -> WaitlistEntry:
    return waitlist_join(
        slot_id=slot.pk,
        teacher=teacher_in(district.school_b),
        teacher_organisation=district.school_b,
        question=QUESTION,
    )


def test_a_teacher_joins_the_waitlist_of_a_full_group_slot(centre: Organisation, district: District) -> None:
    slot, _ = full_group_slot(centre, district)

    entry = join(slot, district)

    assert (entry.status, entry.question, entry.teacher_organisation) == (
        "waiting",
        QUESTION,
        district.school_b,
    )
    with pytest.raises(WaitlistError):
        waitlist_join(
            slot_id=slot.pk, teacher=entry.teacher, teacher_organisation=district.school_b, question=QUESTION
        )


def test_the_waitlist_is_only_for_full_group_slots(centre: Organisation, district: District) -> None:
    not_full = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre), group=True))
    individual = SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre)))
    booking_create(
        slot_id=individual.pk,
        teacher=teacher_in(district.school_a),
        teacher_organisation=district.school_a,
        question="Q",
    )

    with pytest.raises(WaitlistError) as free:
        join(not_full, district)
    with pytest.raises(WaitlistError) as one_place:
        join(individual, district)
    with pytest.raises(TutornetError) as no_question:
        waitlist_join(
            slot_id=not_full.pk,
            teacher=teacher_in(district.school_a),
            teacher_organisation=district.school_a,
            question="",
        )

    assert (free.value.field, one_place.value.field, no_question.value.field) == ("slot", "slot", "question")
    assert not WaitlistEntry.objects.filter(slot__in=[not_full, individual]).exists()


@override_settings(WAITLIST_OFFER_MINUTES=30)
def test_a_freed_place_is_offered_to_the_first_waiting_teacher_and_held_for_them(
    centre: Organisation, district: District
) -> None:
    slot, bookings = full_group_slot(centre, district)
    first, second = join(slot, district), join(slot, district)
    now = timezone.now()

    booking_cancel(booking_id=bookings[0].pk, actor=bookings[0].teacher, now=now)

    first.refresh_from_db()
    second.refresh_from_db()
    slot.refresh_from_db()
    assert (first.status, second.status) == ("offered", "waiting")
    assert first.offer_expires_at == now + timedelta(minutes=30)
    assert (slot.booked, slot.offered, slot.free_places) == (1, 1, 0)
    assert Notification.objects.filter(kind=Kind.WAITLIST_OFFER, recipient=first.teacher).exists()
    # The held place is not up for grabs.
    with pytest.raises(SlotTakenError):
        booking_create(
            slot_id=slot.pk,
            teacher=teacher_in(district.school_a),
            teacher_organisation=district.school_a,
            question="Q",
        )


def test_confirming_within_the_offer_books_the_place(centre: Organisation, district: District) -> None:
    slot, bookings = full_group_slot(centre, district)
    entry = join(slot, district)
    now = timezone.now()
    booking_cancel(booking_id=bookings[0].pk, actor=bookings[0].teacher, now=now)

    booking = waitlist_confirm(entry_id=entry.pk, teacher=entry.teacher, now=now + timedelta(minutes=10))

    entry.refresh_from_db()
    slot.refresh_from_db()
    assert (booking.status, booking.teacher_id, booking.question) == ("confirmed", entry.teacher_id, QUESTION)
    assert booking.teacher_organisation == district.school_b
    assert entry.status == "accepted"
    assert (slot.booked, slot.offered, slot.free_places) == (2, 0, 0)


def test_an_expired_offer_passes_to_the_next_teacher(centre: Organisation, district: District) -> None:
    slot, bookings = full_group_slot(centre, district)
    first, second = join(slot, district), join(slot, district)
    now = timezone.now()
    booking_cancel(booking_id=bookings[0].pk, actor=bookings[0].teacher, now=now)
    later = now + timedelta(minutes=121)

    assert waitlist_expire_offers(now=now + timedelta(minutes=60)) == 0  # not yet
    expired = waitlist_expire_offers(now=later)

    first.refresh_from_db()
    second.refresh_from_db()
    slot.refresh_from_db()
    assert expired == 1
    assert (first.status, second.status) == ("expired", "offered")
    assert second.offer_expires_at == later + timedelta(minutes=120)
    assert (slot.booked, slot.offered) == (1, 1)
    with pytest.raises(WaitlistError):
        waitlist_confirm(entry_id=first.pk, teacher=first.teacher, now=later)
    assert waitlist_confirm(entry_id=second.pk, teacher=second.teacher, now=later).status == "confirmed"


def test_an_offer_cannot_be_confirmed_after_it_expired_even_before_the_sweep(
    centre: Organisation, district: District
) -> None:
    slot, bookings = full_group_slot(centre, district)
    entry = join(slot, district)
    now = timezone.now()
    booking_cancel(booking_id=bookings[0].pk, actor=bookings[0].teacher, now=now)

    with pytest.raises(WaitlistError) as caught:
        waitlist_confirm(entry_id=entry.pk, teacher=entry.teacher, now=now + timedelta(minutes=121))

    assert caught.value.field == "entry"
    slot.refresh_from_db()
    assert (slot.booked, slot.offered) == (1, 1)


def test_declining_passes_the_place_on_and_the_last_decline_frees_it(
    centre: Organisation, district: District
) -> None:
    slot, bookings = full_group_slot(centre, district)
    first, second = join(slot, district), join(slot, district)
    booking_cancel(booking_id=bookings[0].pk, actor=bookings[0].teacher)

    waitlist_decline(entry_id=first.pk, teacher=first.teacher)
    second.refresh_from_db()
    assert second.status == "offered"
    waitlist_decline(entry_id=second.pk, teacher=second.teacher)

    first.refresh_from_db()
    second.refresh_from_db()
    slot.refresh_from_db()
    assert (first.status, second.status) == ("cancelled", "cancelled")
    assert (slot.booked, slot.offered, slot.free_places) == (1, 0, 1)


def test_only_the_waitlisted_teacher_can_confirm_or_decline(centre: Organisation, district: District) -> None:
    slot, bookings = full_group_slot(centre, district)
    entry = join(slot, district)
    booking_cancel(booking_id=bookings[0].pk, actor=bookings[0].teacher)
    stranger = teacher_in(district.school_a)

    with pytest.raises(TutornetError):
        waitlist_confirm(entry_id=entry.pk, teacher=stranger)
    with pytest.raises(TutornetError):
        waitlist_decline(entry_id=entry.pk, teacher=stranger)

    entry.refresh_from_db()
    assert entry.status == "offered"
