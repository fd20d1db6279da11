"""The .ics of a booking: one event per booking, stable UID, UTC times, iTIP methods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.db import connection
from django.utils import translation
from django_tenants.utils import tenant_context

from consultations import ics
from consultations.models import Offering
from tests.conftest import District

from .notify_data import make_booking, reschedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> object:
    # The texts are checked against their English msgids (Russian is the default language).
    with translation.override("en"):
        yield


STARTS = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)  # 10:00 in Moscow


def only_event(text: str) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(text)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_the_invitation_is_a_request_with_utc_times_and_the_consultation_details(district: District) -> None:
    with tenant_context(district.centre):
        booking = make_booking(district.centre, starts_at=STARTS, question="Как оценивать проекты?")
        text = ics.booking_request(booking, link="http://centre.localhost/consultations/my/")
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["METHOD"] == "REQUEST"
    event = only_event(text)
    assert event.decoded("DTSTART") == STARTS
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == STARTS + timedelta(minutes=45)
    assert "DTSTART:20261203T070000Z" in text.replace("\r\n ", "")
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]).startswith("Consultation: ")
    description = str(event["DESCRIPTION"])
    assert "Как оценивать проекты?" in description
    assert "video-conference" in description
    assert "http://centre.localhost/consultations/my/" in description
    assert str(event["LOCATION"]) == "video-conference"
    assert str(event["ORGANIZER"]) == f"mailto:{booking.slot.tutor.email}"
    assert str(event["ATTENDEE"]) == f"mailto:{booking.teacher.email}"


def test_an_in_person_consultation_has_its_place_as_location(district: District) -> None:
    with tenant_context(district.centre):
        booking = make_booking(district.centre, starts_at=STARTS, mode=Offering.Mode.IN_PERSON)
        event = only_event(ics.booking_request(booking))
    assert str(event["LOCATION"]) == "Кабинет 12, ул. Ленина, 5"
    assert "Кабинет 12, ул. Ленина, 5" in str(event["DESCRIPTION"])


def test_the_uid_is_stable_per_booking_and_differs_between_bookings_and_organisations(
    district: District,
) -> None:
    with tenant_context(district.centre):
        first = make_booking(district.centre, starts_at=STARTS)
        second = make_booking(district.centre, starts_at=STARTS)
        uid = str(only_event(ics.booking_request(first))["UID"])
        assert uid == str(only_event(ics.booking_request(first))["UID"])
        assert uid == str(only_event(ics.booking_cancel(first))["UID"])
        assert uid != str(only_event(ics.booking_request(second))["UID"])
    # The same id in another schema is another booking.
    assert ics.booking_uid(first, "centre") != ics.booking_uid(first, "school1")
    assert connection.schema_name == "public"


def test_a_cancellation_is_method_cancel_status_cancelled_with_a_higher_sequence(district: District) -> None:
    with tenant_context(district.centre):
        booking = make_booking(district.centre, starts_at=STARTS)
        request = only_event(ics.booking_request(booking))
        text = ics.booking_cancel(booking)
    assert icalendar.Calendar.from_ical(text)["METHOD"] == "CANCEL"
    cancel = only_event(text)
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert (int(request["SEQUENCE"]), int(cancel["SEQUENCE"])) == (0, 1)
    assert str(cancel["UID"]) == str(request["UID"])


def test_a_rescheduled_booking_keeps_the_events_uid_with_a_higher_sequence(district: District) -> None:
    with tenant_context(district.centre):
        old = make_booking(district.centre, starts_at=STARTS)
        new = reschedule(old, STARTS + timedelta(days=1))
        old.refresh_from_db()
        old_event = only_event(ics.booking_cancel(old))
        new_event = only_event(ics.booking_request(new))
        # Cancelling the moved booking supersedes the move.
        new_cancel = only_event(ics.booking_cancel(new))
    assert str(new_event["UID"]) == str(old_event["UID"])
    # 2 x (moves so far), plus 1 once cancelled.
    assert [int(e["SEQUENCE"]) for e in (old_event, new_event, new_cancel)] == [1, 2, 3]
    assert new_event.decoded("DTSTART") == STARTS + timedelta(days=1)
