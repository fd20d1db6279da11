"""REST API of consultations: free slots, booking, lists and isolation, offerings.

After the booking (cancel, reschedule, marking, rating, the waitlist): ``test_api_after_booking.py``.

Each request goes through the whole stack (host → organisation → schema, the
caller's district membership, the services); data is made in the schema the
test names with ``tenant_context``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from accounts.models import Role
from consultations.models import Booking, Offering, Slot
from tests.conftest import District, member
from tests.factories import SubjectFactory, UserFactory, api_token

from .api_helpers import BOOKINGS, CENTRE, SCHOOL_1, SCHOOL_2, api_as, book, booking_in, in_days, slot_in
from .factories import OfferingFactory, expected_starts, teacher_in, tutor_in

pytestmark = pytest.mark.django_db


# --- slots -------------------------------------------------------------------------------------


def test_free_slots_are_listed_by_subject_and_tutor_with_times_in_utc_and_in_local_time(
    district: District,
) -> None:
    teacher = teacher_in(district.school_a)
    subject = SubjectFactory()
    tutor = tutor_in(district.centre)
    wanted = slot_in(district.centre, tutor=tutor, subject=subject)
    other_subject = slot_in(district.centre)
    full = slot_in(district.centre, tutor=tutor, subject=subject, starts_at=in_days(4))
    booking_in(district.centre, full, teacher_in(district.school_b))

    response = api_as(teacher, CENTRE).get(
        "/api/consultations/slots/", {"subject": subject.pk, "tutor": tutor.pk}
    )

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [wanted.pk]  # not the other subject, not the full slot
    row = rows[0]
    utc = wanted.starts_at.astimezone(UTC)
    assert row["starts_at"] == utc.isoformat().replace("+00:00", "Z")
    local = datetime.fromisoformat(row["starts_at_local"])
    assert local == wanted.starts_at and local.utcoffset() == timedelta(hours=3)  # Europe/Moscow
    assert row["time_zone"] == "Europe/Moscow"
    assert (row["free_places"], row["capacity"], row["tutor"]["id"]) == (1, 1, tutor.pk)
    assert row["offering"]["subject"] == {"id": subject.pk, "name": subject.name}
    assert other_subject.pk not in {r["id"] for r in rows}


def test_free_slots_are_filtered_by_local_dates(district: District) -> None:
    teacher = teacher_in(district.school_a)
    tutor = tutor_in(district.centre)
    first = slot_in(district.centre, tutor=tutor, starts_at=in_days(3))
    second = slot_in(district.centre, tutor=tutor, starts_at=in_days(5))
    day = timezone.localtime(second.starts_at, district.centre.zone).date()

    response = api_as(teacher, CENTRE).get(
        "/api/consultations/slots/",
        {"tutor": tutor.pk, "date_from": day.isoformat(), "date_to": day.isoformat()},
    )

    assert [row["id"] for row in response.json()["results"]] == [second.pk]
    assert first.pk != second.pk


def test_a_bad_date_filter_is_refused_naming_the_field(district: District) -> None:
    response = api_as(teacher_in(district.school_a), CENTRE).get(
        "/api/consultations/slots/", {"date_from": "tomorrow"}
    )
    assert response.status_code == 400
    assert "date_from" in response.json()


def test_one_slot_is_shown_full_or_not_and_an_unknown_one_is_not_found(district: District) -> None:
    teacher = teacher_in(district.school_a)
    slot = slot_in(district.centre)
    booking_in(district.centre, slot, teacher_in(district.school_a))
    client = api_as(teacher, CENTRE)

    response = client.get(f"/api/consultations/slots/{slot.pk}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["free_places"], response.json()["booked"]) == (
        slot.pk,
        0,
        1,
    )
    assert client.get("/api/consultations/slots/999999999/").status_code == 404


# --- booking -------------------------------------------------------------------------------------


def test_a_school_teacher_books_a_municipal_tutor_on_the_centre_host(district: District) -> None:
    teacher = teacher_in(district.school_a)
    slot = slot_in(district.centre)

    response = book(api_as(teacher, CENTRE), slot, "Как выстроить КТП по геометрии?")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slot"]["id"], body["teacher"]["id"], body["status"]) == (slot.pk, teacher.pk, "confirmed")
    assert body["question"] == "Как выстроить КТП по геометрии?"
    assert body["teacher_organisation_id"] == district.school_a.pk
    with tenant_context(district.centre):
        booking = Booking.objects.get(pk=body["id"])
        assert (booking.teacher, booking.teacher_organisation_id) == (teacher, district.school_a.pk)
        assert Slot.objects.get(pk=slot.pk).booked == 1


def test_a_teacher_books_with_an_api_token_and_no_session(district: District) -> None:
    teacher = teacher_in(district.school_a)
    token = api_token(teacher)
    slot = slot_in(district.centre)
    client = APIClient(HTTP_HOST=CENTRE, HTTP_AUTHORIZATION=f"Token {token}")

    response = book(client, slot)

    assert response.status_code == 201, response.content
    assert response.json()["teacher_organisation_id"] == district.school_a.pk


def test_booking_a_full_slot_answers_409_slot_taken(district: District) -> None:
    slot = slot_in(district.centre)
    booking_in(district.centre, slot, teacher_in(district.school_a))
    late = member(district.school_b, Role.TEACHER, language="en").user  # answers come in their language

    response = book(api_as(late, CENTRE), slot)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "slot_taken"
    assert body["detail"] == "This time is already taken."
    assert body["slot"] == [body["detail"]]
    with tenant_context(district.centre):
        assert not Booking.objects.filter(slot=slot, teacher=late).exists()


def test_a_booking_without_a_question_is_refused_naming_the_question(district: District) -> None:
    slot = slot_in(district.centre)
    client = api_as(teacher_in(district.school_a), CENTRE)

    missing = client.post(BOOKINGS, {"slot": slot.pk}, format="json")
    blank = client.post(BOOKINGS, {"slot": slot.pk, "question": "   "}, format="json")

    assert missing.status_code == 400 and "question" in missing.json()
    assert blank.status_code == 400 and "question" in blank.json()
    with tenant_context(district.centre):
        assert not Booking.objects.filter(slot=slot).exists()


def test_booking_a_slot_that_does_not_exist_is_refused_naming_the_slot(district: District) -> None:
    response = book(api_as(teacher_in(district.school_a), CENTRE), Slot(pk=999999999))
    assert response.status_code == 404
    assert "slot" in response.json()


def test_a_second_booking_at_the_same_time_answers_409_overlap(district: District) -> None:
    teacher = teacher_in(district.school_a)
    first = slot_in(district.centre, starts_at=in_days(3))
    same_time = slot_in(district.centre, starts_at=in_days(3))
    booking_in(district.centre, first, teacher)

    response = book(api_as(teacher, CENTRE), same_time)

    assert response.status_code == 409
    assert response.json()["code"] == "overlap"


def test_a_person_with_no_membership_in_the_district_is_refused_with_403(district: District) -> None:
    stranger = UserFactory()
    slot = slot_in(district.centre)
    client = api_as(stranger, CENTRE)

    assert client.get("/api/consultations/slots/").status_code == 403
    assert book(client, slot).status_code == 403
    assert client.get(BOOKINGS).status_code == 403
    assert api_as(None, CENTRE).get("/api/consultations/slots/").status_code == 401


# --- my bookings, and isolation ----------------------------------------------------------------


def test_a_teacher_lists_only_their_own_bookings(district: District) -> None:
    teacher = teacher_in(district.school_a)
    colleague = teacher_in(district.school_a)
    mine = booking_in(district.centre, slot_in(district.centre), teacher)
    theirs = booking_in(district.centre, slot_in(district.centre), colleague)

    response = api_as(teacher, CENTRE).get(BOOKINGS)

    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [mine.pk]
    assert theirs.pk not in ids


def test_a_tutor_sees_the_bookings_of_their_own_consultations_with_the_questions(district: District) -> None:
    tutor = tutor_in(district.centre)
    other_tutor = tutor_in(district.centre)
    teacher = teacher_in(district.school_a)
    booking = booking_in(district.centre, slot_in(district.centre, tutor=tutor), teacher, question="Про ВПР")
    booking_in(district.centre, slot_in(district.centre, tutor=other_tutor), teacher_in(district.school_b))

    response = api_as(tutor, CENTRE).get(BOOKINGS, {"as": "tutor"})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["id"], row["question"], row["teacher"]["id"]) for row in rows] == [
        (booking.pk, "Про ВПР", teacher.pk)
    ]


def test_a_teacher_has_no_tutor_calendar(district: District) -> None:
    response = api_as(teacher_in(district.school_a), CENTRE).get(BOOKINGS, {"as": "tutor"})
    assert response.status_code == 403


def test_another_teachers_booking_is_not_found(district: District) -> None:
    owner = teacher_in(district.school_a)
    booking = booking_in(district.centre, slot_in(district.centre), owner)
    nosy = api_as(teacher_in(district.school_a), CENTRE)

    assert nosy.get(f"{BOOKINGS}{booking.pk}/").status_code == 404
    assert nosy.post(f"{BOOKINGS}{booking.pk}/cancel/", {}, format="json").status_code == 404
    assert nosy.post(f"{BOOKINGS}{booking.pk}/rate/", {"score": 5}, format="json").status_code == 404
    with tenant_context(district.centre):
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_the_teacher_and_the_tutor_see_a_booking_in_detail(district: District) -> None:
    tutor = tutor_in(district.centre)
    teacher = teacher_in(district.school_a)
    booking = booking_in(district.centre, slot_in(district.centre, tutor=tutor), teacher)

    for person in (teacher, tutor):
        response = api_as(person, CENTRE).get(f"{BOOKINGS}{booking.pk}/")
        assert response.status_code == 200
        assert response.json()["question"] == booking.question
        assert response.json()["video_join_url"] is None  # three days before the start: not yet open


def test_school2s_host_shows_nothing_of_the_centres_or_school1s_bookings(district: District) -> None:
    teacher = teacher_in(district.school_b)
    centre_booking = booking_in(district.centre, slot_in(district.centre), teacher)
    school1_booking = booking_in(district.school_a, slot_in(district.school_a), teacher_in(district.school_a))
    with tenant_context(district.school_b):
        assert not Booking.objects.filter(pk__in=[centre_booking.pk, school1_booking.pk]).exists()
    client = api_as(teacher, SCHOOL_2)

    listed = client.get(BOOKINGS)

    assert listed.status_code == 200 and listed.json()["results"] == []
    assert client.get(f"{BOOKINGS}{centre_booking.pk}/").status_code == 404
    assert client.get(f"{BOOKINGS}{school1_booking.pk}/").status_code == 404
    # On the centre's host the same teacher does see their booking there.
    assert [r["id"] for r in api_as(teacher, CENTRE).get(BOOKINGS).json()["results"]] == [centre_booking.pk]


def test_a_schools_internal_consultations_are_invisible_from_another_schools_host(district: District) -> None:
    mentor = tutor_in(district.school_a)
    internal = slot_in(district.school_a, tutor=mentor)
    with tenant_context(district.school_b):
        assert not Slot.objects.filter(pk=internal.pk).exists()
    school2_teacher = teacher_in(district.school_b)
    school1_teacher = teacher_in(district.school_a)

    on_school2 = api_as(school2_teacher, SCHOOL_2)
    assert internal.pk not in {r["id"] for r in on_school2.get("/api/consultations/slots/").json()["results"]}
    assert on_school2.get(f"/api/consultations/slots/{internal.pk}/").status_code == 404
    assert on_school2.get("/api/consultations/offerings/", {"tutor": mentor.pk}).json()["results"] == []
    # A school1 teacher on school2's host is no member there at all.
    assert api_as(school1_teacher, SCHOOL_2).get("/api/consultations/slots/").status_code == 403
    assert book(api_as(school2_teacher, SCHOOL_1), internal).status_code == 403
    # The school's own staff see and book it on their own host.
    own = api_as(school1_teacher, SCHOOL_1)
    assert internal.pk in {r["id"] for r in own.get("/api/consultations/slots/").json()["results"]}
    assert book(own, internal).status_code == 201


# --- offerings ---------------------------------------------------------------------------------


def test_a_tutor_creates_an_offering_with_weekly_windows_and_its_slots_appear(district: District) -> None:
    tutor = tutor_in(district.centre)
    subject = SubjectFactory()
    client = api_as(tutor, CENTRE)

    before = timezone.now()
    response = client.post(
        "/api/consultations/offerings/",
        {
            "subject": subject.pk,
            "format": "group",
            "capacity": 8,
            "mode": "in_person",
            "place": "ул. Ленина, 1, каб. 12",
            "slot_minutes": 60,
            "weekly": [{"weekday": d, "starts": "15:00", "ends": "17:00"} for d in range(7)],
        },
        format="json",
    )

    after = timezone.now()
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["tutor"]["id"], body["capacity"], body["format"]) == (tutor.pk, 8, "group")
    assert len(body["weekly"]) == 7 and body["weekly"][0]["starts"] == "15:00"
    with tenant_context(district.centre):
        slots = Slot.objects.filter(offering_id=body["id"], is_cancelled=False)
        # 60 minutes and the default 15-minute buffer fit once into 15:00-17:00: one a day
        # over the default 28-day horizon.
        windows = [(weekday, time(15), time(17)) for weekday in range(7)]
        expected = [
            expected_starts(
                district.centre.zone, windows, slot_minutes=60, buffer_minutes=15, horizon_days=28, now=now
            )
            for now in (before, after)
        ]
        assert {s.starts_at for s in slots} in expected
        assert all(s.capacity == 8 for s in slots)
    listed = api_as(teacher_in(district.school_a), CENTRE).get(
        "/api/consultations/offerings/", {"subject": subject.pk}
    )
    assert [o["id"] for o in listed.json()["results"]] == [body["id"]]


def test_a_teacher_cannot_create_an_offering(district: District) -> None:
    response = api_as(teacher_in(district.school_a), CENTRE).post(
        "/api/consultations/offerings/",
        {"subject": SubjectFactory().pk, "format": "individual", "mode": "video"},
        format="json",
    )
    assert response.status_code == 403


def test_an_in_person_offering_without_a_place_is_refused_naming_the_place(district: District) -> None:
    response = api_as(tutor_in(district.centre), CENTRE).post(
        "/api/consultations/offerings/",
        {"subject": SubjectFactory().pk, "format": "individual", "mode": "in_person"},
        format="json",
    )
    assert response.status_code == 400 and "place" in response.json()


def test_a_tutor_changes_their_own_offering_but_not_another_tutors(district: District) -> None:
    tutor = tutor_in(district.centre)
    with tenant_context(district.centre):
        own = OfferingFactory(tutor=tutor, group=True)
        other = OfferingFactory(tutor=tutor_in(district.centre))
    client = api_as(tutor, CENTRE)

    changed = client.patch(
        f"/api/consultations/offerings/{own.pk}/", {"capacity": 12, "topic": "ОГЭ"}, format="json"
    )
    refused = client.patch(f"/api/consultations/offerings/{other.pk}/", {"capacity": 3}, format="json")

    assert changed.status_code == 200, changed.content
    assert (changed.json()["capacity"], changed.json()["topic"], changed.json()["format"]) == (
        12,
        "ОГЭ",
        "group",
    )
    assert refused.status_code == 403
    with tenant_context(district.centre):
        assert Offering.objects.get(pk=other.pk).capacity == 1


# --- the schema ----------------------------------------------------------------------------------


def test_the_openapi_schema_holds_every_consultations_path() -> None:
    response = APIClient(HTTP_HOST=CENTRE).get("/api/schema/", {"format": "json"})
    paths = json.loads(response.content)["paths"]
    expected = {
        "/api/consultations/offerings/": {"get", "post"},
        "/api/consultations/offerings/{offering_id}/": {"get", "patch"},
        "/api/consultations/slots/": {"get"},
        "/api/consultations/slots/{slot_id}/": {"get"},
        "/api/consultations/bookings/": {"get", "post"},
        "/api/consultations/bookings/{booking_id}/": {"get"},
        "/api/consultations/bookings/{booking_id}/cancel/": {"post"},
        "/api/consultations/bookings/{booking_id}/reschedule/": {"post"},
        "/api/consultations/bookings/{booking_id}/mark/": {"post"},
        "/api/consultations/bookings/{booking_id}/rate/": {"post"},
        "/api/consultations/waitlist/": {"get", "post"},
        "/api/consultations/waitlist/{entry_id}/confirm/": {"post"},
        "/api/consultations/waitlist/{entry_id}/decline/": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    assert "409" in paths["/api/consultations/bookings/"]["post"]["responses"]
