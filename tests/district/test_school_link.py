"""A school's administrator reaches "Моя школа" from their own school portal: the navigation
and the home page's panel link to it through the portal hop, and the hop lands there on the
centre's portal; a teacher of the school sees no such link."""

from __future__ import annotations

from html import unescape
from urllib.parse import quote

import pytest
from django.test import Client

from accounts.models import Role
from tests.conftest import District, client_for, member
from tests.portal.helpers import follow_across

pytestmark = pytest.mark.django_db

SCHOOL, CENTRE = "school1.localhost", "centre.localhost"


def test_a_school_admin_goes_from_the_school_portal_to_my_school_by_the_hop(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    school = client_for(admin, SCHOOL)
    home = unescape(school.get("/").content.decode())
    link = f"/go/{district.centre.pk}/?next={quote('/district/my-school/', safe='')}"
    assert home.count(f'href="{link}"') == 2  # the section navigation and the panel
    page, host = follow_across(school, school.get(link), {SCHOOL: school, CENTRE: Client(HTTP_HOST=CENTRE)})
    assert host == CENTRE and page.status_code == 200
    assert "district/my_school.html" in [t.name for t in page.templates]


def test_a_teacher_of_the_school_gets_no_link_to_my_school(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    home = unescape(client_for(teacher, SCHOOL).get("/").content.decode())
    assert "my-school" not in home
