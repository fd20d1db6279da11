"""One address rule for the sign-in page and the token API; the header's language switch."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import Role, email_key
from tests.conftest import District, client_for, member
from tests.factories import PASSWORD
from tutornet.tenancy import forget_hosts

pytestmark = pytest.mark.django_db
SCHOOL_A = "school1.localhost"


def test_the_address_rule_trims_and_lowers() -> None:
    assert email_key("  Probe@Example.ORG ") == "probe@example.org"


@pytest.mark.parametrize("typed", ["{}", "{upper}", "{title}", " {upper} "])
def test_the_sign_in_page_and_the_token_api_accept_the_address_in_any_case(
    district: District, typed: str
) -> None:
    user = member(district.school_a, Role.TEACHER).user
    address = typed.format(user.email, upper=user.email.upper(), title=user.email.title())
    page = client_for(None, SCHOOL_A)
    response = page.post("/accounts/login/", {"username": address, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert page.session["_auth_user_id"] == str(user.pk)
    api = APIClient(HTTP_HOST=SCHOOL_A).post(
        "/api/auth/token/", {"email": address, "password": PASSWORD}, format="json"
    )
    assert api.status_code == 200


def test_changing_the_case_does_not_dodge_the_sign_in_lockout(district: District) -> None:
    user = member(district.school_a, Role.TEACHER).user
    client = client_for(None, SCHOOL_A)
    variants = [user.email.upper(), user.email.title(), user.email, user.email.swapcase(), user.email.upper()]
    for address in variants[: settings.AXES_FAILURE_LIMIT]:
        client.post("/accounts/login/", {"username": address, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("signed_in", [True, False])
def test_the_header_language_switch_works_signed_in_and_out(district: District, signed_in: bool) -> None:
    user = member(district.school_a, Role.TEACHER, language="ru").user
    client = client_for(user if signed_in else None, SCHOOL_A)
    response = client.post("/accounts/language/", {"language": "en", "next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    user.refresh_from_db()
    assert user.language == ("en" if signed_in else "ru")


def test_the_language_switch_sends_no_one_to_another_site(district: District) -> None:
    response = client_for(None, SCHOOL_A).post(
        "/accounts/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_organisation_api_gives_null_not_an_empty_string_for_no_contact_email(district: District) -> None:
    from django_tenants.utils import schema_context

    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    client = APIClient(HTTP_HOST=SCHOOL_A)
    client.force_authenticate(admin)
    with schema_context("public"):
        type(district.school_a).objects.filter(pk=district.school_a.pk).update(email="")
    forget_hosts()  # the host -> organisation cache holds the organisation row
    assert client.get("/api/organisation/").json()["email"] is None
    with schema_context("public"):
        type(district.school_a).objects.filter(pk=district.school_a.pk).update(email="office@school1.example")
    forget_hosts()
    assert client.get("/api/organisation/").json()["email"] == "office@school1.example"


def test_the_public_home_takes_the_same_queries_for_many_centres(district: District) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.models import Organisation

    def home_queries() -> tuple[int, str]:
        client = client_for(None, "localhost")
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/").content.decode()
        return len(queries), html

    home_queries()  # warm the per-process caches (host lookup, translations)
    before, _html = home_queries()
    # More centres (rows only: the page lists them, it does not enter their schemas).
    for n in range(6):
        Organisation.objects.bulk_create(
            [
                Organisation(
                    schema_name=f"qc_centre_{n}", kind="centre", name=f"ЦРО {n}", short_name=f"ЦРО-{n}"
                )
            ]
        )
    after, html = home_queries()
    assert after == before, (before, after, _html[:0])
    assert "ЦРО-5" in html or "ЦРО 5" in html
