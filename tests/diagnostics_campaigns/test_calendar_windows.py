"""Issue 14: a teacher's in-app calendar shows the windows of the diagnostics meant for them —
when a district campaign opens and when it closes, seen from their school's portal, with the
way to «Моя диагностика» on the centre; a teacher of another subject does not see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from tests.conftest import District, client_for

from .helpers import make_cast, open_campaign

pytestmark = pytest.mark.django_db


def test_a_teachers_calendar_shows_when_the_district_diagnostics_opens_and_closes(district: District) -> None:
    with tenant_context(district.centre):
        cast = make_cast(district)
        campaign = open_campaign(cast, closes_in=timedelta(days=1))

    def week(name: str, moment) -> str:  # type: ignore[no-untyped-def]
        day = timezone.localtime(moment, district.centre.zone).date().isoformat()
        with translation.override("ru"):
            return (
                client_for(cast.user(name), "school1.localhost")
                .get(f"/my/calendar/?date={day}")
                .content.decode()
            )

    closing = week("teacher", campaign.closes_at)
    assert "Сентябрьская диагностика" in closing and "Диагностика закрывается" in closing
    assert f"/go/{district.centre.pk}/?next=%2Fdiagnostics%2Fmy%2F" in closing
    assert "Открывается диагностика" in week("teacher", campaign.opens_at)
    # Another subject's teacher is not in the campaign's audience.
    assert "Сентябрьская диагностика" not in week("physics_teacher", campaign.closes_at)
