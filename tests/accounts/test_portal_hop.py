from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from accounts.models import Role
from tests.conftest import District, client_for, member
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _hop(district: District, client, organisation) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/accounts/hop/{organisation.pk}/")
    assert response.status_code == 302
    return response["Location"]


def test_a_member_of_two_organisations_moves_between_portals_signed_in(district: District) -> None:
    teacher = member(district.school_a).user
    MembershipFactory(user=teacher, organisation=district.centre, role=Role.TUTOR)
    link = _hop(district, client_for(teacher, "school1.localhost"), district.centre)
    parts = urlsplit(link)
    assert parts.hostname == "centre.localhost"

    centre_browser = client_for(None, "centre.localhost")
    response = centre_browser.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 302 and response["Location"] == "/"
    dashboard = centre_browser.get("/")
    assert dashboard.status_code == 200
    assert "Центр развития образования" in dashboard.content.decode()


def test_a_hop_ticket_works_once(district: District) -> None:
    teacher = member(district.school_a).user
    MembershipFactory(user=teacher, organisation=district.centre, role=Role.TUTOR)
    parts = urlsplit(_hop(district, client_for(teacher, "school1.localhost"), district.centre))
    client_for(None, "centre.localhost").get(f"{parts.path}?{parts.query}")
    replay = client_for(None, "centre.localhost")
    response = replay.get(f"{parts.path}?{parts.query}")
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in replay.session


def test_a_hop_ticket_is_refused_on_another_portal(district: District) -> None:
    teacher = member(district.school_a).user
    MembershipFactory(user=teacher, organisation=district.centre, role=Role.TUTOR)
    parts = urlsplit(_hop(district, client_for(teacher, "school1.localhost"), district.centre))
    thief = client_for(None, "school2.localhost")
    response = thief.get(f"{parts.path}?{parts.query}")
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in thief.session


def test_no_hop_into_an_organisation_one_is_not_a_member_of(district: District) -> None:
    teacher = member(district.school_a).user
    response = client_for(teacher, "school1.localhost").get(f"/accounts/hop/{district.school_b.pk}/")
    assert response.status_code == 404


def test_a_school_teacher_uses_the_centre_services_through_the_school_membership(district: District) -> None:
    from accounts.selectors import district_membership_for

    membership = member(district.school_a)
    assert district_membership_for(membership.user, district.centre) == membership
    assert district_membership_for(membership.user, district.school_b) is None
