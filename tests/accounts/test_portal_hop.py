"""Moving between portals signed in: a ticket posted by the issuing portal, once, for a minute."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import Role
from tenants.models import Organisation
from tests.conftest import District, client_for, member
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

FORM = re.compile(
    r'<form method="post" action="([^"]+)" data-submit-on-load>\s*<input type="hidden" name="t" '
    r'value="([^"]+)">'
)


def _hop(client: Client, organisation: Organisation) -> tuple[str, str]:
    """The issuing portal's page: where its form posts, and the ticket in it."""
    page = client.get(f"/accounts/hop/{organisation.pk}/")
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "strict-origin"  # so that the POST carries its Origin
    action, ticket = FORM.search(page.content.decode()).groups()  # type: ignore[union-attr]
    return unescape(action), unescape(ticket)


def _teacher_and_tutor(district: District) -> Client:
    teacher = member(district.school_a).user
    MembershipFactory(user=teacher, organisation=district.centre, role=Role.TUTOR)
    return client_for(teacher, "school1.localhost")


def test_a_member_of_two_organisations_moves_between_portals_signed_in(district: District) -> None:
    action, ticket = _hop(_teacher_and_tutor(district), district.centre)
    parts = urlsplit(action)
    assert parts.hostname == "centre.localhost" and parts.path == "/accounts/hop/"

    centre_browser = client_for(None, "centre.localhost")
    response = centre_browser.post(parts.path, {"t": ticket}, HTTP_ORIGIN="http://school1.localhost:8000")
    assert response.status_code == 302 and response["Location"] == "/"
    dashboard = centre_browser.get("/")
    assert dashboard.status_code == 200
    assert "Центр развития образования" in dashboard.content.decode()


def test_a_ticket_in_a_link_signs_no_one_in(district: District) -> None:
    """Login CSRF: someone mails a victim a link with their own ticket. A GET does nothing."""
    _action, ticket = _hop(_teacher_and_tutor(district), district.centre)
    victim = client_for(None, "centre.localhost")
    response = victim.get("/accounts/hop/", {"t": ticket})
    assert response.status_code == 405
    assert "_auth_user_id" not in victim.session


@pytest.mark.parametrize("origin", [None, "https://evil.example", "http://school2.localhost", "null"])
def test_a_ticket_posted_from_anywhere_but_the_issuing_portal_is_refused(
    district: District, origin: str | None
) -> None:
    # A page of the attacker's (or another portal) posting the attacker's ticket into the victim's browser.
    _action, ticket = _hop(_teacher_and_tutor(district), district.centre)
    victim = client_for(None, "centre.localhost")
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    response = victim.post("/accounts/hop/", {"t": ticket}, **headers)  # type: ignore[arg-type]
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in victim.session


def test_a_hop_ticket_works_once(district: District) -> None:
    _action, ticket = _hop(_teacher_and_tutor(district), district.centre)
    origin = {"HTTP_ORIGIN": "http://school1.localhost:8000"}
    first = client_for(None, "centre.localhost")
    assert first.post("/accounts/hop/", {"t": ticket}, **origin)["Location"] == "/"  # type: ignore[arg-type]
    replay = client_for(None, "centre.localhost")
    response = replay.post("/accounts/hop/", {"t": ticket}, **origin)  # type: ignore[arg-type]
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in replay.session


def test_a_hop_ticket_is_refused_on_another_portal(district: District) -> None:
    _action, ticket = _hop(_teacher_and_tutor(district), district.centre)
    thief = client_for(None, "school2.localhost")
    response = thief.post("/accounts/hop/", {"t": ticket}, HTTP_ORIGIN="http://school1.localhost:8000")
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in thief.session


def test_with_redis_down_the_hop_says_the_sign_in_could_not_be_passed_on(
    district: District, settings: object
) -> None:
    _action, ticket = _hop(_teacher_and_tutor(district), district.centre)
    caches = dict(settings.CACHES)  # type: ignore[attr-defined]
    caches["default"] = {**caches["default"], "LOCATION": "redis://127.0.0.1:1/0"}  # nothing listens
    settings.CACHES = caches  # type: ignore[attr-defined]
    browser = client_for(None, "centre.localhost")
    browser.cookies.load({"django_language": "en"})
    response = browser.post(
        "/accounts/hop/", {"t": ticket}, HTTP_ORIGIN="http://school1.localhost:8000", follow=True
    )
    assert response.status_code == 200
    assert "could not be passed on to the other portal" in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_no_hop_into_an_organisation_one_is_not_a_member_of(district: District) -> None:
    """No ticket: the person is sent to that portal's own sign-in page instead."""
    teacher = member(district.school_a).user
    response = client_for(teacher, "school1.localhost").get(f"/accounts/hop/{district.school_b.pk}/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).hostname == "school2.localhost"
    assert "hop" not in response["Location"] and "data-submit-on-load" not in response.content.decode()


def test_a_school_teacher_uses_the_centre_services_through_the_school_membership(district: District) -> None:
    from accounts.selectors import district_membership_for

    membership = member(district.school_a)
    assert district_membership_for(membership.user, district.centre) == membership
    assert district_membership_for(membership.user, district.school_b) is None
