"""REST API of consultations, after the booking: cancel and reschedule, marking and rating, the
waitlist.  The booking itself, lists, isolation and offerings are in ``test_api.py``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from consultations.models import Booking, Rating, Slot, WaitlistEntry
from tests.conftest import District

from .api_helpers import BOOKINGS, CENTRE, api_as, booking_in, in_days, slot_in
from .factories import SlotFactory, teacher_in, tutor_in

pytestmark = pytest.mark.django_db


# --- cancel, reschedule ------------------------------------------------------------------------


def test_the_teacher_cancels_their_booking_and_the_place_is_free_again(district: District) -> None:
    teacher = teacher_in(district.school_a)
    slot = slot_in(district.centre)
    booking = booking_in(district.centre, slot, teacher)

    response = api_as(teacher, CENTRE).post(f"{BOOKINGS}{booking.pk}/cancel/", {"reason": ""}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_by_id"] == teacher.pk
    with tenant_context(district.centre):
        assert Slot.objects.get(pk=slot.pk).booked == 0


def test_the_tutor_must_give_a_reason_to_cancel(district: District) -> None:
    tutor = tutor_in(district.centre)
    booking = booking_in(
        district.centre, slot_in(district.centre, tutor=tutor), teacher_in(district.school_a)
    )
    client = api_as(tutor, CENTRE)

    refused = client.post(f"{BOOKINGS}{booking.pk}/cancel/", {}, format="json")
    accepted = client.post(f"{BOOKINGS}{booking.pk}/cancel/", {"reason": "Болею"}, format="json")

    assert refused.status_code == 400 and "reason" in refused.json()
    assert accepted.status_code == 200 and accepted.json()["cancel_reason"] == "Болею"


def test_cancelling_after_the_deadline_is_refused_naming_the_deadline(district: District) -> None:
    teacher = teacher_in(district.school_a)
    slot = slot_in(district.centre, starts_at=timezone.now() + timedelta(hours=6), cancel_deadline_hours=12)
    booking = booking_in(district.centre, slot, teacher)
    deadline = timezone.localtime(slot.starts_at - timedelta(hours=12), district.centre.zone)

    response = api_as(teacher, CENTRE).post(f"{BOOKINGS}{booking.pk}/cancel/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
    assert deadline.strftime("%d.%m.%Y %H:%M") in response.json()["detail"]


def test_the_teacher_reschedules_to_another_time_of_the_same_tutor(district: District) -> None:
    tutor = tutor_in(district.centre)
    teacher = teacher_in(district.school_a)
    old_slot = slot_in(district.centre, tutor=tutor, starts_at=in_days(3))
    with tenant_context(district.centre):
        new_slot = SlotFactory(offering=old_slot.offering, starts_at=in_days(4))
    booking = booking_in(district.centre, old_slot, teacher)

    response = api_as(teacher, CENTRE).post(
        f"{BOOKINGS}{booking.pk}/reschedule/", {"slot": new_slot.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slot"]["id"], body["rescheduled_from_id"], body["question"]) == (
        new_slot.pk,
        booking.pk,
        booking.question,
    )
    with tenant_context(district.centre):
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED


def test_rescheduling_to_another_tutor_is_refused_naming_the_slot(district: District) -> None:
    teacher = teacher_in(district.school_a)
    booking = booking_in(district.centre, slot_in(district.centre), teacher)
    elsewhere = slot_in(district.centre, starts_at=in_days(5))

    response = api_as(teacher, CENTRE).post(
        f"{BOOKINGS}{booking.pk}/reschedule/", {"slot": elsewhere.pk}, format="json"
    )
    missing = api_as(teacher, CENTRE).post(f"{BOOKINGS}{booking.pk}/reschedule/", {}, format="json")

    assert response.status_code == 400 and "slot" in response.json()
    assert missing.status_code == 400 and "slot" in missing.json()
    with tenant_context(district.centre):
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


# --- after the consultation --------------------------------------------------------------------


def past_booking(district: District, tutor: User, teacher: User) -> Booking:
    slot = slot_in(district.centre, tutor=tutor, starts_at=timezone.now() - timedelta(hours=2))
    return booking_in(district.centre, slot, teacher)


def test_the_tutor_marks_a_consultation_held_and_the_teacher_rates_it(district: District) -> None:
    tutor = tutor_in(district.centre)
    teacher = teacher_in(district.school_a)
    booking = past_booking(district, tutor, teacher)

    marked = api_as(tutor, CENTRE).post(
        f"{BOOKINGS}{booking.pk}/mark/", {"status": "held", "outcome_note": "Разобрали КИМ"}, format="json"
    )
    rated = api_as(teacher, CENTRE).post(
        f"{BOOKINGS}{booking.pk}/rate/", {"score": 5, "comment": "Очень полезно"}, format="json"
    )

    assert marked.status_code == 200, marked.content
    assert (marked.json()["status"], marked.json()["outcome_note"]) == ("held", "Разобрали КИМ")
    assert rated.status_code == 200, rated.content
    assert (rated.json()["score"], rated.json()["comment"]) == (5, "Очень полезно")
    detail = api_as(tutor, CENTRE).get(f"{BOOKINGS}{booking.pk}/").json()
    assert detail["rating"]["score"] == 5
    with tenant_context(district.centre):
        assert Rating.objects.get(booking=booking).score == 5


def test_only_the_tutor_marks_and_the_status_is_checked(district: District) -> None:
    tutor = tutor_in(district.centre)
    teacher = teacher_in(district.school_a)
    booking = past_booking(district, tutor, teacher)

    by_teacher = api_as(teacher, CENTRE).post(
        f"{BOOKINGS}{booking.pk}/mark/", {"status": "held"}, format="json"
    )
    bad_status = api_as(tutor, CENTRE).post(
        f"{BOOKINGS}{booking.pk}/mark/", {"status": "great"}, format="json"
    )

    assert by_teacher.status_code == 403
    assert bad_status.status_code == 400 and "status" in bad_status.json()


def test_a_rating_outside_1_to_5_is_refused_naming_the_score(district: District) -> None:
    tutor = tutor_in(district.centre)
    teacher = teacher_in(district.school_a)
    booking = booking_in(
        district.centre,
        slot_in(district.centre, tutor=tutor, starts_at=timezone.now() - timedelta(hours=2)),
        teacher,
        status=Booking.Status.HELD,
    )

    response = api_as(teacher, CENTRE).post(f"{BOOKINGS}{booking.pk}/rate/", {"score": 6}, format="json")

    assert response.status_code == 400 and "score" in response.json()


def test_a_consultation_not_held_cannot_be_rated(district: District) -> None:
    teacher = teacher_in(district.school_a)
    booking = booking_in(district.centre, slot_in(district.centre), teacher)

    response = api_as(teacher, CENTRE).post(f"{BOOKINGS}{booking.pk}/rate/", {"score": 4}, format="json")

    assert response.status_code == 409


# --- waitlist ----------------------------------------------------------------------------------


def test_a_teacher_joins_the_waitlist_of_a_full_group_slot_and_takes_a_freed_place(
    district: District,
) -> None:
    slot = slot_in(district.centre, group=True, capacity=2)
    leaving = teacher_in(district.school_a)
    leaving_booking = booking_in(district.centre, slot, leaving)
    booking_in(district.centre, slot, teacher_in(district.school_b))
    waiting = teacher_in(district.school_a)
    client = api_as(waiting, CENTRE)

    joined = client.post(
        "/api/consultations/waitlist/", {"slot": slot.pk, "question": "Про ЕГЭ"}, format="json"
    )
    assert joined.status_code == 201, joined.content
    entry_id = joined.json()["id"]
    assert joined.json()["status"] == "waiting"

    api_as(leaving, CENTRE).post(f"{BOOKINGS}{leaving_booking.pk}/cancel/", {}, format="json")
    offered = client.get("/api/consultations/waitlist/").json()["results"]
    assert [(e["id"], e["status"]) for e in offered] == [(entry_id, "offered")]
    assert offered[0]["offer_expires_at"] is not None

    confirmed = client.post(f"/api/consultations/waitlist/{entry_id}/confirm/", format="json")

    assert confirmed.status_code == 201, confirmed.content
    assert (confirmed.json()["slot"]["id"], confirmed.json()["question"]) == (slot.pk, "Про ЕГЭ")
    with tenant_context(district.centre):
        fresh = Slot.objects.get(pk=slot.pk)
        assert (fresh.booked, fresh.offered) == (2, 0)


def test_a_slot_with_free_places_has_no_waitlist(district: District) -> None:
    slot = slot_in(district.centre, group=True, capacity=3)

    response = api_as(teacher_in(district.school_a), CENTRE).post(
        "/api/consultations/waitlist/", {"slot": slot.pk, "question": "?"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "waitlist" and "slot" in response.json()


def test_a_teacher_leaves_the_waitlist(district: District) -> None:
    slot = slot_in(district.centre, group=True, capacity=2)
    booking_in(district.centre, slot, teacher_in(district.school_a))
    booking_in(district.centre, slot, teacher_in(district.school_a))
    teacher = teacher_in(district.school_b)
    client = api_as(teacher, CENTRE)
    entry_id = client.post(
        "/api/consultations/waitlist/", {"slot": slot.pk, "question": "Про ОГЭ"}, format="json"
    ).json()["id"]

    declined = client.post(f"/api/consultations/waitlist/{entry_id}/decline/", format="json")
    stranger = api_as(teacher_in(district.school_b), CENTRE).post(
        f"/api/consultations/waitlist/{entry_id}/decline/", format="json"
    )

    assert declined.status_code == 204
    assert stranger.status_code == 404
    with tenant_context(district.centre):
        assert WaitlistEntry.objects.get(pk=entry_id).status == WaitlistEntry.Status.CANCELLED
