"""Issue 14: the teacher's in-app calendar shows, as they come, tutorials too — the sessions of the
tutorials they hold a place in, held on the centre, seen from their school's portal; the organiser
sees theirs; a draft and other people's tutorials are not shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from tests.conftest import District, client_for, member
from tests.tutorials.factories import organiser_in, published, register, teacher_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _russian() -> Iterator[None]:
    with translation.override("ru"):
        yield


def test_a_school_teachers_calendar_shows_the_centres_tutorial_they_registered_for(
    district: District,
) -> None:
    start = (timezone.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    teacher = teacher_of(district.school_a)
    with tenant_context(district.centre):
        organiser = organiser_in(district.centre)
        mine = published(organiser, title="Семинар по критериям ОГЭ", start=start)
        register(mine, teacher)
        published(organiser, title="Чужой мастер-класс", start=start + timedelta(hours=3))
        published(organiser, title="Черновик тренинга", start=start + timedelta(hours=5), publish=False)
    week = timezone.localtime(start, district.centre.zone).date().isoformat()

    page = client_for(teacher.user, "school1.localhost").get(f"/my/calendar/?date={week}").content.decode()
    assert "Семинар по критериям ОГЭ" in page
    assert f"next=%2Ftutorials%2F{mine.pk}%2F" in page  # its page, on the centre's portal (the hop)
    assert "Чужой мастер-класс" not in page and "Черновик тренинга" not in page
    month = client_for(teacher.user, "school1.localhost").get(f"/my/calendar/?view=month&date={week}")
    assert "Семинар по критериям ОГЭ" in month.content.decode()

    led = client_for(organiser.user, "centre.localhost").get(f"/my/calendar/?date={week}").content.decode()
    assert "Семинар по критериям ОГЭ" in led and "Чужой мастер-класс" in led
    assert "Черновик тренинга" not in led
    stranger = member(district.school_a).user
    other = client_for(stranger, "school1.localhost").get(f"/my/calendar/?date={week}").content.decode()
    assert "Семинар по критериям ОГЭ" not in other


def test_on_the_centres_portal_the_district_calendars_help_hour_session_hops_a_school_teacher_home(
    district: District,
) -> None:
    """The district calendar (/tutorials/calendar/) shows the Help Hour sessions; for a school's
    teacher on the centre's portal their link hops to their school's Help Hour, not to the centre's
    queue, which refuses them (found by the page walk of tests/browser)."""
    from tests.help_hour.helpers import accepted_request, make_cast, schedule

    cast = make_cast(district)
    teacher = cast.outsider.user
    starts = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    with tenant_context(district.centre):
        schedule(cast, [accepted_request(cast)], starts_at=starts)
    day = timezone.localtime(starts, district.centre.zone).date().isoformat()
    client = client_for(teacher, "centre.localhost")
    page = client.get(f"/tutorials/calendar/?view=week&day={day}").content.decode()
    assert f'href="/go/{district.school_a.pk}/?next=%2Fconsultations%2Fhelp-hour%2F"' in page
    assert 'href="/consultations/help-hour/"' not in page
    assert client.get("/consultations/help-hour/").status_code == 403
