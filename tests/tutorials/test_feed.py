"""The personal calendar feed (/calendar/feed/<token>.ics) carries the person's tutorials."""

from __future__ import annotations

import icalendar
import pytest
from django_tenants.utils import tenant_context

from consultations.services.feeds import calendar_feed_create
from tests.conftest import District, client_for
from tutorials.services import registration_cancel

from .factories import organiser_in, published, register, teacher_of

pytestmark = pytest.mark.django_db


def _summaries(content: bytes) -> set[str]:
    calendar = icalendar.Calendar.from_ical(content)
    return {str(event["summary"]) for event in calendar.walk("VEVENT")}


def test_the_feed_has_my_tutorials_and_not_others_or_cancelled(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
        mine = published(tutor, title="Мой семинар в ленте")
        left = published(tutor, title="Отменённая запись")
        other = published(tutor, title="Чужой семинар")
        teacher = teacher_of(district.school_a)
        register(mine, teacher)
        registration = register(left, teacher)
        registration_cancel(registration=registration, actor=teacher.user)
        register(other, teacher_of(district.school_b))
        _feed, token = calendar_feed_create(user=teacher.user)
        _feed, tutor_token = calendar_feed_create(user=tutor.user)
    host = district.host(district.centre)
    summaries = _summaries(client_for(None, host).get(f"/calendar/feed/{token}.ics").content)
    assert "Мой семинар в ленте" in summaries
    assert "Отменённая запись" not in summaries and "Чужой семинар" not in summaries
    organiser_feed = _summaries(client_for(None, host).get(f"/calendar/feed/{tutor_token}.ics").content)
    assert {"Мой семинар в ленте", "Отменённая запись", "Чужой семинар"} <= organiser_feed
