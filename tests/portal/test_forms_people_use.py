"""Issue 14, "Forms that a teacher can use": the tutorial form's multi-selects are searchable tag
fields (no Ctrl-click), and time zones are shown as people say them, not as «Europe/Moscow»."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from tests.conftest import District, client_for, member
from tests.tutorials.factories import organiser_in

pytestmark = pytest.mark.django_db


def test_the_tutorial_form_has_tag_fields_and_names_the_zone_as_people_say_it(district: District) -> None:
    with tenant_context(district.centre):
        organiser = organiser_in(district.centre)
    page = client_for(organiser.user, district.host(district.centre)).get("/tutorials/new/").content.decode()
    for name in ("subjects", "topics", "audience_subjects", "audience_schools"):
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>', page)
        assert select and "multiple" in select.group(0) and "data-tags" in select.group(0), name
    assert "московское время, UTC+3" in page
    assert "Europe/Moscow" not in page


def test_the_organisation_profile_offers_zones_as_people_say_them(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    page = client_for(admin, "school1.localhost").get("/organisation/").content.decode()
    assert re.search(r"<option value=\"Europe/Moscow\"[^>]*>московское время, UTC\+3</option>", page)
    assert ">Europe/Moscow<" not in page
