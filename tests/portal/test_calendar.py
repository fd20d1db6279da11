"""The person's calendar: consultations booked (here and with the centre), those led as a tutor,
Help Hour sessions; week and month; other people's never; more sources through the registry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.http import HttpRequest
from django.utils import timezone, translation
from portal import calendar_sources

from accounts.models import Role
from tests.conftest import District, client_for, member
from tests.help_hour.helpers import accepted_request, make_cast, schedule

from .helpers import book, slot_in, soon

pytestmark = pytest.mark.django_db

SCHOOL, CENTRE = "school1.localhost", "centre.localhost"


@pytest.fixture(autouse=True)
def _russian() -> Iterator[None]:
    with translation.override("ru"):
        yield


def _week_of(moment: datetime, district: District) -> str:
    return timezone.localtime(moment, district.centre.zone).date().isoformat()


def test_a_school_teachers_calendar_shows_the_centre_consultation_and_the_help_hour_session(
    district: District, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    cast = make_cast(district)
    teacher = cast.requester.user
    slot = slot_in(district.centre, soon(days=2, hour=8))
    book(district.centre, slot, teacher, district.school_a, question="Вопрос для календаря")
    from django_tenants.utils import tenant_context

    with tenant_context(district.centre):
        session = schedule(cast, [accepted_request(cast)], starts_at=slot.starts_at + timedelta(hours=3))
    stranger = member(district.school_a).user

    client = client_for(teacher, SCHOOL)
    client.get(f"/my/calendar/?date={_week_of(slot.starts_at, district)}")
    # 19: each registered source reads once per schema (here and the centre), tutorials and
    # diagnostics windows included; none reads per event.
    with django_assert_max_num_queries(19):
        page = client.get(f"/my/calendar/?date={_week_of(slot.starts_at, district)}").content.decode()
    assert "Консультация" in page and str(slot.offering.subject) in page
    assert "Час методической помощи" in page and str(session.subject) in page

    month = client.get(f"/my/calendar/?view=month&date={_week_of(slot.starts_at, district)}").content.decode()
    assert str(slot.offering.subject) in month and 'class="calendar calendar-month"' in month

    other = (
        client_for(stranger, SCHOOL)
        .get(f"/my/calendar/?date={_week_of(slot.starts_at, district)}")
        .content.decode()
    )
    assert str(slot.offering.subject) not in other


def test_on_the_centres_portal_a_school_teachers_help_hour_session_leads_to_their_schools_requests(
    district: District,
) -> None:
    """The centre's /consultations/help-hour/ is its queue, refused to a school's teacher: the
    session in their calendar there hops to their school's Help Hour (found by the page walk)."""
    from django_tenants.utils import tenant_context

    cast = make_cast(district)
    teacher = cast.requester.user
    with tenant_context(district.centre):
        session = schedule(cast, [accepted_request(cast)], starts_at=soon(days=2, hour=11))
    client = client_for(teacher, CENTRE)
    page = client.get(f"/my/calendar/?date={_week_of(session.starts_at, district)}").content.decode()
    assert f'href="/go/{district.school_a.pk}/?next=%2Fconsultations%2Fhelp-hour%2F"' in page
    assert 'href="/consultations/help-hour/"' not in page
    assert client.get("/consultations/help-hour/").status_code == 403
    home = client_for(teacher, SCHOOL).get(f"/my/calendar/?date={_week_of(session.starts_at, district)}")
    assert 'href="/consultations/help-hour/"' in home.content.decode()


def test_a_tutors_calendar_shows_the_consultations_they_lead(district: District) -> None:
    tutor = member(district.centre, Role.TUTOR).user
    slot = slot_in(district.centre, soon(days=2), tutor=tutor)
    teacher = member(district.school_a).user
    book(district.centre, slot, teacher, district.school_a)
    page = (
        client_for(tutor, CENTRE)
        .get(f"/my/calendar/?date={_week_of(slot.starts_at, district)}")
        .content.decode()
    )
    assert "Провожу консультацию" in page
    assert teacher.last_name in page


def test_the_calendar_is_refused_to_someone_without_access_here(district: District) -> None:
    outsider = member(district.school_b).user
    assert client_for(outsider, SCHOOL).get("/my/calendar/").status_code == 403
    assert client_for(None, SCHOOL).get("/my/calendar/").status_code == 302


def _tutorials(request: HttpRequest, start: datetime, end: datetime) -> list[calendar_sources.Event]:
    moment = start + timedelta(days=1, hours=10)
    return [
        calendar_sources.Event(
            moment, moment + timedelta(hours=2), "Тьюториал по ФОП", "tutorial", "Тьюториал"
        )
    ]


@pytest.fixture
def extra_source() -> Iterator[None]:
    saved = dict(calendar_sources._registry)
    calendar_sources.register(_tutorials)
    yield
    calendar_sources._registry.clear()
    calendar_sources._registry.update(saved)


def test_a_feature_adds_its_events_through_the_registry(district: District, extra_source: None) -> None:
    teacher = member(district.school_a).user
    page = client_for(teacher, SCHOOL).get("/my/calendar/").content.decode()
    assert "Тьюториал по ФОП" in page
    assert "event-tutorial" in page


def test_a_300_character_word_in_a_question_is_allowed_to_wrap(district: District) -> None:
    """The page's CSS lets long words break (measured in the browser test at phone size too)."""
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "tutornet.css").read_text()
    assert "body { overflow-wrap: break-word; }" in css
    assert ".question, .comment, .event-detail" in css
