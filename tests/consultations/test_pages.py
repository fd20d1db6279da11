"""The consultation pages: who may open them, booking through the page, refusals as messages."""

from __future__ import annotations

from datetime import time, timedelta

import icalendar
import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from consultations import ics
from consultations.models import Booking, Offering, Rating, Slot, WaitlistEntry
from tenants.models import Organisation
from tests.conftest import District, client_for, member
from tests.factories import SubjectFactory, UserFactory

from .factories import OfferingFactory, SlotFactory, book_slot, expected_starts

pytestmark = pytest.mark.django_db

CENTRE = "centre.localhost"
SCHOOL1 = "school1.localhost"


def tutor_member(organisation: Organisation) -> object:
    return member(organisation, Role.TUTOR, language="en").user


def teacher_of(organisation: Organisation) -> object:
    return member(organisation, Role.TEACHER, language="en").user


def future_slot(*, hours: float = 72, **offering_fields: object) -> Slot:
    offering = OfferingFactory(tutor=tutor_member(offering_fields.pop("organisation")), **offering_fields)
    starts = (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)
    return SlotFactory(
        offering=offering,
        starts_at=starts,
        video_room="tutornet-pagetest" if offering.mode == Offering.Mode.VIDEO else "",
    )


def week_of(slot: Slot, organisation: Organisation) -> str:
    return timezone.localtime(slot.starts_at, organisation.zone).date().isoformat()


# --- who may open what -----------------------------------------------------------------------


def test_a_school_teacher_sees_the_centres_week_view_with_live_slot_markers(
    centre: Organisation, district: District
) -> None:
    slot = future_slot(organisation=centre)
    teacher = teacher_of(district.school_a)

    response = client_for(teacher, CENTRE).get(
        f"/consultations/?week={week_of(slot, centre)}&subject={slot.offering.subject_id}"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-slot-id="{slot.pk}"' in html
    assert f'data-slots-ws="/ws/slots/?tutor={slot.tutor_id}"' in html
    assert "js/slots.js" in html
    local_start = timezone.localtime(slot.starts_at, centre.zone).strftime("%H:%M")
    assert local_start in html
    assert f"/consultations/slots/{slot.pk}/book/" in html


def test_the_week_view_filters_by_subject(centre: Organisation, district: District) -> None:
    maths = future_slot(organisation=centre, subject=SubjectFactory())
    other = future_slot(organisation=centre, subject=SubjectFactory(), hours=80)
    client = client_for(teacher_of(district.school_a), CENTRE)

    html = client.get(
        f"/consultations/?week={week_of(maths, centre)}&subject={maths.offering.subject_id}"
    ).content.decode()

    assert f'data-slot-id="{maths.pk}"' in html
    assert f'data-slot-id="{other.pk}"' not in html


def test_people_outside_the_organisation_and_its_schools_are_refused(
    centre: Organisation, district: District
) -> None:
    stranger = UserFactory()
    for path in ("/consultations/", "/consultations/my/", "/consultations/calendar/"):
        assert client_for(stranger, CENTRE).get(path).status_code == 403
    # A school's own consultations are only for its own staff.
    other_school_teacher = teacher_of(district.school_b)
    assert client_for(other_school_teacher, SCHOOL1).get("/consultations/").status_code == 403
    assert client_for(None, CENTRE).get("/consultations/").status_code == 302  # to sign in


def test_the_calendar_and_offerings_are_for_tutors_only(centre: Organisation, district: District) -> None:
    teacher = teacher_of(district.school_a)
    tutor = tutor_member(centre)
    for path in ("/consultations/calendar/", "/consultations/offerings/"):
        assert client_for(teacher, CENTRE).get(path).status_code == 403
        assert client_for(tutor, CENTRE).get(path).status_code == 200


def test_the_ratings_page_is_for_centre_staff_and_tutors_not_teachers(
    centre: Organisation, district: District
) -> None:
    methodologist = member(centre, Role.METHODOLOGIST).user
    admin = member(centre, Role.CENTRE_ADMIN).user
    assert client_for(methodologist, CENTRE).get("/consultations/ratings/").status_code == 200
    assert client_for(admin, CENTRE).get("/consultations/ratings/").status_code == 200
    assert client_for(teacher_of(district.school_a), CENTRE).get("/consultations/ratings/").status_code == 403


def test_a_school_teacher_gets_the_centres_dashboard_with_the_consultations_card(
    centre: Organisation, district: District
) -> None:
    teacher = teacher_of(district.school_a)
    response = client_for(teacher, CENTRE).get("/")
    assert response.status_code == 200
    assert 'id="consultations-card"' in response.content.decode()
    # Someone of no school of the centre still gets "no access".
    assert client_for(UserFactory(), CENTRE).get("/").status_code == 403


# --- booking ---------------------------------------------------------------------------------


def test_booking_through_the_page_creates_a_booking_shown_in_my_consultations(
    centre: Organisation, district: District
) -> None:
    slot = future_slot(organisation=centre)
    teacher = teacher_of(district.school_a)
    client = client_for(teacher, CENTRE)

    assert client.get(f"/consultations/slots/{slot.pk}/book/").status_code == 200
    response = client.post(
        f"/consultations/slots/{slot.pk}/book/", {"question": "Как выстроить подготовку к ОГЭ?"}
    )

    assert response.status_code == 302 and response["Location"] == "/consultations/my/"
    booking = Booking.objects.get(slot=slot, teacher=teacher)
    assert booking.teacher_organisation_id == district.school_a.pk
    assert booking.question == "Как выстроить подготовку к ОГЭ?"
    html = client.get("/consultations/my/").content.decode()
    assert "Как выстроить подготовку к ОГЭ?" in html
    assert f"/consultations/bookings/{booking.pk}/ics/" in html
    deadline = timezone.localtime(booking.starts_at - timedelta(hours=12), centre.zone)
    assert deadline.strftime("%d.%m.%Y %H:%M") in html


def test_the_question_is_required(centre: Organisation, district: District) -> None:
    slot = future_slot(organisation=centre)
    response = client_for(teacher_of(district.school_a), CENTRE).post(
        f"/consultations/slots/{slot.pk}/book/", {"question": "   "}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Booking.objects.filter(slot=slot).exists()


def test_a_second_teacher_trying_the_same_individual_slot_is_told_it_is_taken(
    centre: Organisation, district: District
) -> None:
    slot = future_slot(organisation=centre)
    first = client_for(teacher_of(district.school_a), CENTRE)
    second = client_for(teacher_of(district.school_b), CENTRE)
    # Both opened the form while the slot was free.
    assert second.get(f"/consultations/slots/{slot.pk}/book/").status_code == 200

    assert first.post(f"/consultations/slots/{slot.pk}/book/", {"question": "Первый"}).status_code == 302
    response = second.post(f"/consultations/slots/{slot.pk}/book/", {"question": "Второй"})

    assert response.status_code == 409
    assert "This time is already taken." in response.content.decode()
    assert Booking.objects.filter(slot=slot).count() == 1


def test_a_full_group_slot_offers_the_waitlist_and_the_teacher_joins_it(
    centre: Organisation, district: District
) -> None:
    offering = OfferingFactory(tutor=tutor_member(centre), format="group", capacity=2)
    slot = SlotFactory(offering=offering, video_room="tutornet-grouptest")
    book_slot(slot=slot)
    book_slot(slot=slot, teacher=teacher_of(district.school_b))
    teacher = teacher_of(district.school_a)
    client = client_for(teacher, CENTRE)

    page = client.get(f"/consultations/slots/{slot.pk}/book/").content.decode()
    assert 'name="waitlist"' in page
    response = client.post(f"/consultations/slots/{slot.pk}/book/", {"question": "Жду", "waitlist": "1"})

    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(slot=slot, teacher=teacher)
    assert entry.status == WaitlistEntry.Status.WAITING
    assert "Leave the waitlist" in client.get("/consultations/my/").content.decode()


def test_cancelling_through_the_page_frees_the_place(centre: Organisation, district: District) -> None:
    teacher = teacher_of(district.school_a)
    booking = book_slot(slot=future_slot(organisation=centre), teacher=teacher)

    response = client_for(teacher, CENTRE).post(f"/consultations/bookings/{booking.pk}/cancel/", follow=True)

    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0


def test_cancelling_after_the_deadline_is_refused_with_the_deadline_named(
    centre: Organisation, district: District
) -> None:
    teacher = teacher_of(district.school_a)
    booking = book_slot(slot=future_slot(organisation=centre, hours=5), teacher=teacher)

    response = client_for(teacher, CENTRE).post(f"/consultations/bookings/{booking.pk}/cancel/", follow=True)

    deadline = timezone.localtime(booking.starts_at - timedelta(hours=12), centre.zone)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Cancelling is possible until {deadline:%d.%m.%Y %H:%M}" in html
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_another_teachers_booking_ids_are_not_found(centre: Organisation, district: District) -> None:
    booking = book_slot(slot=future_slot(organisation=centre), teacher=teacher_of(district.school_b))
    intruder = client_for(teacher_of(district.school_a), CENTRE)

    assert intruder.get(f"/consultations/bookings/{booking.pk}/ics/").status_code == 404
    assert intruder.get(f"/consultations/bookings/{booking.pk}/reschedule/").status_code == 404
    assert intruder.post(f"/consultations/bookings/{booking.pk}/cancel/").status_code == 404
    assert (
        intruder.post(f"/consultations/bookings/{booking.pk}/rate/", {f"r{booking.pk}-score": 5}).status_code
        == 404
    )
    assert intruder.get(f"/consultations/slots/{booking.slot_id}/join/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.question not in intruder.get("/consultations/my/").content.decode()


def test_the_ics_download_is_the_bookings_event(centre: Organisation, district: District) -> None:
    teacher = teacher_of(district.school_a)
    booking = book_slot(slot=future_slot(organisation=centre), teacher=teacher)

    response = client_for(teacher, CENTRE).get(f"/consultations/bookings/{booking.pk}/ics/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == ics.booking_uid(booking)
    assert event.decoded("DTSTART") == booking.starts_at


# --- the video link --------------------------------------------------------------------------


def test_the_join_link_is_shown_only_within_the_window(centre: Organisation, district: District) -> None:
    teacher = teacher_of(district.school_a)
    soon = book_slot(slot=future_slot(organisation=centre, hours=10 / 60), teacher=teacher)
    later = book_slot(slot=future_slot(organisation=centre, hours=50), teacher=teacher)
    client = client_for(teacher, CENTRE)

    html = client.get("/consultations/my/").content.decode()

    assert f"/consultations/slots/{soon.slot_id}/join/" in html
    assert f"/consultations/slots/{later.slot_id}/join/" not in html
    opens = timezone.localtime(later.starts_at - timedelta(minutes=15), centre.zone)
    assert f"The link appears at {opens:%H:%M}." in html
    # The join address itself refuses outside the window and sends to the room within it.
    assert client.get(f"/consultations/slots/{soon.slot_id}/join/")["Location"].startswith(
        "https://meet.jit.si/tutornet-pagetest"
    )
    refused = client.get(f"/consultations/slots/{later.slot_id}/join/", follow=True)
    assert f"The link appears at {opens:%d.%m.%Y %H:%M}." in refused.content.decode()


# --- tutors ----------------------------------------------------------------------------------


def test_the_tutor_sees_the_booking_on_the_calendar_with_name_school_and_question(
    centre: Organisation, district: District
) -> None:
    teacher = teacher_of(district.school_a)
    slot = future_slot(organisation=centre)
    book_slot(slot=slot, teacher=teacher, teacher_organisation=district.school_a, question="Про КТП")

    html = client_for(slot.tutor, CENTRE).get(f"/consultations/calendar/?week={week_of(slot, centre)}")

    text = html.content.decode()
    assert teacher.get_full_name() in text
    assert district.school_a.short_name in text
    assert "Про КТП" in text


def test_the_tutor_must_give_a_reason_to_cancel(centre: Organisation, district: District) -> None:
    slot = future_slot(organisation=centre)
    booking = book_slot(slot=slot, teacher=teacher_of(district.school_a))
    client = client_for(slot.tutor, CENTRE)

    response = client.post(f"/consultations/bookings/{booking.pk}/cancel/", follow=True)
    assert "Tell the teacher the reason." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    client.post(f"/consultations/bookings/{booking.pk}/cancel/", {"reason": "Болезнь"})
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (Booking.Status.CANCELLED, "Болезнь")


def test_held_consultations_are_marked_by_the_tutor_and_rated_by_the_teacher(
    centre: Organisation, district: District
) -> None:
    teacher = teacher_of(district.school_a)
    slot = future_slot(organisation=centre, hours=-2)
    booking = book_slot(slot=slot, teacher=teacher)

    client_for(slot.tutor, CENTRE).post(
        f"/consultations/bookings/{booking.pk}/mark/",
        {f"m{booking.pk}-status": "held", f"m{booking.pk}-outcome_note": "Разобрали КТП"},
    )
    booking.refresh_from_db()
    assert (booking.status, booking.outcome_note) == (Booking.Status.HELD, "Разобрали КТП")

    teacher_client = client_for(teacher, CENTRE)
    assert "Разобрали КТП" in teacher_client.get("/consultations/my/").content.decode()
    teacher_client.post(
        f"/consultations/bookings/{booking.pk}/rate/",
        {f"r{booking.pk}-score": "4", f"r{booking.pk}-comment": "Полезно"},
    )
    assert Rating.objects.get(booking=booking).score == 4

    methodologist = member(centre, Role.METHODOLOGIST).user
    ratings = client_for(methodologist, CENTRE).get("/consultations/ratings/").content.decode()
    assert slot.tutor.get_full_name() in ratings and "Полезно" in ratings


def test_a_tutor_creates_an_offering_sets_weekly_hours_and_gets_slots(
    centre: Organisation, district: District
) -> None:
    tutor = tutor_member(centre)
    subject = SubjectFactory()
    client = client_for(tutor, CENTRE)

    response = client.post(
        "/consultations/offerings/",
        {
            "subject": subject.pk,
            "topic": "ОГЭ",
            "format": "individual",
            "capacity": 1,
            "mode": "video",
            "place": "",
            "slot_minutes": 45,
            "buffer_minutes": 15,
            "min_notice_hours": 12,
            "horizon_days": 21,
            "cancel_deadline_hours": 12,
        },
    )
    offering = Offering.objects.get(tutor=tutor)
    assert response["Location"] == f"/consultations/offerings/{offering.pk}/"

    before = timezone.now()
    client.post(
        f"/consultations/offerings/{offering.pk}/",
        {
            "action": "windows",
            "w-TOTAL_FORMS": 3,
            "w-INITIAL_FORMS": 0,
            "w-0-weekday": 1,
            "w-0-starts": "15:00",
            "w-0-ends": "17:00",
            "w-1-weekday": 3,
            "w-1-starts": "",
            "w-1-ends": "",
            "w-2-weekday": 0,
        },
    )

    after = timezone.now()

    slots = list(Slot.objects.filter(offering=offering, is_cancelled=False))
    # Three weeks of Tuesdays, two slots each (15:00 and 16:00: 45 minutes and a 15-minute buffer).
    expected = [
        expected_starts(
            centre.zone,
            [(1, time(15), time(17))],
            slot_minutes=45,
            buffer_minutes=15,
            horizon_days=21,
            now=now,
        )
        for now in (before, after)
    ]
    assert {s.starts_at for s in slots} in expected
    assert {timezone.localtime(s.starts_at, centre.zone).time() for s in slots} == {time(15), time(16)}
    assert all(timezone.localtime(s.starts_at, centre.zone).weekday() == 1 for s in slots)
    assert all(s.video_room for s in slots)


def test_an_in_person_offering_without_a_place_is_a_form_error(centre: Organisation) -> None:
    tutor = tutor_member(centre)
    response = client_for(tutor, CENTRE).post(
        "/consultations/offerings/",
        {
            "subject": SubjectFactory().pk,
            "format": "individual",
            "capacity": 1,
            "mode": "in_person",
            "slot_minutes": 45,
            "buffer_minutes": 15,
            "min_notice_hours": 12,
            "horizon_days": 21,
            "cancel_deadline_hours": 12,
        },
    )
    assert response.status_code == 200
    assert "Give the consultation point" in response.content.decode()
    assert not Offering.objects.filter(tutor=tutor).exists()


def test_a_teacher_moves_a_booking_to_another_time_of_the_same_tutor(
    centre: Organisation, district: District
) -> None:
    teacher = teacher_of(district.school_a)
    slot = future_slot(organisation=centre)
    other = SlotFactory(offering=slot.offering, starts_at=slot.starts_at + timedelta(days=1))
    booking = book_slot(slot=slot, teacher=teacher)
    client = client_for(teacher, CENTRE)

    page = client.get(f"/consultations/bookings/{booking.pk}/reschedule/").content.decode()
    assert f'value="{other.pk}"' in page
    response = client.post(f"/consultations/bookings/{booking.pk}/reschedule/", {"new_slot": other.pk})

    assert response.status_code == 302
    booking.refresh_from_db()
    moved = Booking.objects.get(rescheduled_from=booking)
    assert (booking.status, moved.slot_id, moved.question) == (
        Booking.Status.CANCELLED,
        other.pk,
        booking.question,
    )


def test_a_place_offered_from_the_waitlist_is_taken_on_the_page(
    centre: Organisation, district: District
) -> None:
    from consultations.services import booking_cancel, waitlist_join

    offering = OfferingFactory(tutor=tutor_member(centre), format="group", capacity=2)
    slot = SlotFactory(offering=offering, video_room="tutornet-waitlisttest")
    leaving = book_slot(slot=slot, teacher=teacher_of(district.school_b))
    book_slot(slot=slot)
    teacher = teacher_of(district.school_a)
    entry = waitlist_join(
        slot_id=slot.pk, teacher=teacher, teacher_organisation=district.school_a, question="Можно?"
    )
    booking_cancel(booking_id=leaving.pk, actor=leaving.teacher)
    client = client_for(teacher, CENTRE)

    page = client.get("/consultations/my/").content.decode()
    assert f"/consultations/waitlist/{entry.pk}/confirm/" in page
    client.post(f"/consultations/waitlist/{entry.pk}/confirm/")

    assert Booking.objects.get(slot=slot, teacher=teacher).question == "Можно?"
    # Someone else's waitlist entry is not found.
    other = client_for(teacher_of(district.school_b), CENTRE)
    assert other.post(f"/consultations/waitlist/{entry.pk}/decline/").status_code == 404


def test_an_empty_week_opens_the_week_of_the_next_free_time(district: District) -> None:
    with tenant_context(district.centre):
        slot = SlotFactory(starts_at=timezone.now() + timedelta(days=20))
    teacher = member(district.school_a).user
    response = client_for(teacher, "centre.localhost").get("/consultations/")
    assert response.status_code == 302
    local_day = timezone.localtime(slot.starts_at, district.centre.zone).date()
    assert f"week={local_day.isoformat()}" in response["Location"]
    assert client_for(teacher, "centre.localhost").get(response["Location"]).status_code == 200
