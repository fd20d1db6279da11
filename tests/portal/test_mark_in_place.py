"""«Отметить как проведённую» in place: the tutor's week posts the mark with ``Accept:
application/json`` (static/js/consultations_mark.js) and gets the booking's new state back,
without the week rendered again; refusals are JSON with the reason (bench/mark_held.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from accounts.models import Role
from consultations.models import Booking
from tests.conftest import District, client_for, member
from tests.consultations.factories import OfferingFactory, SlotFactory, book_slot

pytestmark = pytest.mark.django_db

CENTRE = "centre.localhost"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _russian() -> None:
    translation.activate("ru")


def _past_booking(district: District) -> Booking:
    tutor = member(district.centre, Role.TUTOR).user
    with tenant_context(district.centre):
        slot = SlotFactory(
            offering=OfferingFactory(tutor=tutor), starts_at=timezone.now() - timedelta(hours=2)
        )
        return book_slot(slot=slot, teacher=member(district.school_a).user)


def test_the_tutor_marks_in_place_and_gets_the_new_state_back(district: District) -> None:
    booking = _past_booking(district)
    client = client_for(booking.slot.tutor, CENTRE)
    response = client.post(
        f"/consultations/bookings/{booking.pk}/mark/",
        {f"m{booking.pk}-status": "held", f"m{booking.pk}-outcome_note": "Разобрали КИМ"},
        **JSON,
    )
    assert response.status_code == 200
    assert response.json() == {"status": "held", "status_display": "Проведена", "message": "Сохранено."}
    with tenant_context(district.centre):
        booking.refresh_from_db()
    assert (booking.status, booking.outcome_note) == ("held", "Разобрали КИМ")


def test_a_refused_mark_in_place_is_json_with_the_reason_and_changes_nothing(district: District) -> None:
    booking = _past_booking(district)
    tutor = client_for(booking.slot.tutor, CENTRE)
    bad = tutor.post(
        f"/consultations/bookings/{booking.pk}/mark/", {f"m{booking.pk}-status": "great"}, **JSON
    )
    assert bad.status_code == 400 and bad.json()["field"] == "status"
    other_tutor = client_for(member(district.centre, Role.TUTOR).user, CENTRE)
    refused = other_tutor.post(
        f"/consultations/bookings/{booking.pk}/mark/", {f"m{booking.pk}-status": "held"}, **JSON
    )
    assert refused.status_code in (403, 404)
    with tenant_context(district.centre):
        booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_without_javascript_the_mark_still_reloads_the_week(district: District) -> None:
    booking = _past_booking(district)
    client = client_for(booking.slot.tutor, CENTRE)
    response = client.post(
        f"/consultations/bookings/{booking.pk}/mark/", {f"m{booking.pk}-status": "no_show"}
    )
    assert response.status_code == 302 and "/consultations/calendar/?week=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert f'<select name="m{booking.pk}-status" id="m{booking.pk}-status">' in page
    assert '<option value="no_show" selected>Неявка</option>' in page
