"""Sessions read from their copy in Redis (tutornet/sessions.py), the row in PostgreSQL the truth.

Each rule here fails if the copy is made per schema, outlives a sign-out, hides a changed
password or a deactivated account, or makes Redis a condition of being signed in.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from tests.conftest import District, client_for, member
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

SCHOOL = "school1.localhost"
CENTRE = "centre.localhost"
TRIVIAL = "/api/organisation/"  # any signed-in page will do; this one is the cheapest


def _teacher_and_tutor(district: District) -> User:
    teacher = member(district.school_a).user
    MembershipFactory(user=teacher, organisation=district.centre, role=Role.TUTOR)
    return teacher


def _signed_in(client: Client, host: str) -> bool:
    response = client.get(TRIVIAL, HTTP_HOST=host)
    assert response.status_code in (200, 401, 403), response.status_code
    return response.status_code == 200


def _copy(client: Client) -> object:
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return caches[settings.SESSION_CACHE_ALIAS].get(f"django.contrib.sessions.cached_db{key}")


def test_a_signed_in_request_reads_the_copy_not_the_row_but_still_the_user(district: District) -> None:
    browser = client_for(member(district.school_a).user, SCHOOL)
    assert _signed_in(browser, SCHOOL)
    with CaptureQueriesContext(connection) as queries:
        assert _signed_in(browser, SCHOOL)
    statements = " ".join(q["sql"] for q in queries.captured_queries)
    assert "django_session" not in statements
    assert "accounts_user" in statements  # the user is read every time: password and deactivation rules


def test_one_copy_serves_every_portal_and_a_sign_out_on_one_ends_it_on_all(district: District) -> None:
    browser = client_for(_teacher_and_tutor(district), SCHOOL)
    assert _signed_in(browser, SCHOOL) and _signed_in(browser, CENTRE)  # a copy read on both hosts
    assert _copy(browser) is not None
    assert browser.post("/accounts/logout/", HTTP_HOST=SCHOOL).status_code == 302
    assert not _signed_in(browser, CENTRE)
    assert not _signed_in(browser, SCHOOL)


def test_a_stolen_cookie_is_worthless_after_the_sign_out(district: District) -> None:
    browser = client_for(_teacher_and_tutor(district), CENTRE)
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert _signed_in(thief, SCHOOL)
    browser.post("/accounts/logout/", HTTP_HOST=CENTRE)
    assert not _signed_in(thief, SCHOOL) and not _signed_in(thief, CENTRE)


def test_a_changed_password_signs_out_the_other_browsers_on_every_portal(district: District) -> None:
    teacher = _teacher_and_tutor(district)
    laptop, phone = client_for(teacher, SCHOOL), client_for(teacher, CENTRE)
    assert _signed_in(laptop, CENTRE) and _signed_in(phone, SCHOOL)
    teacher.set_password("Sovsem-novyi-2026")  # what the password reset's form saves
    teacher.save()
    assert not _signed_in(laptop, CENTRE) and not _signed_in(phone, SCHOOL)
    assert not _signed_in(laptop, SCHOOL) and not _signed_in(phone, CENTRE)


def test_a_deactivated_account_is_signed_out_at_once(district: District) -> None:
    teacher = _teacher_and_tutor(district)
    browser = client_for(teacher, CENTRE)
    assert _signed_in(browser, SCHOOL)
    User.objects.filter(pk=teacher.pk).update(is_active=False)
    assert not _signed_in(browser, SCHOOL) and not _signed_in(browser, CENTRE)


@pytest.fixture
def redis_down(settings: object) -> None:
    caches_ = dict(settings.CACHES)  # type: ignore[attr-defined]
    alias = settings.SESSION_CACHE_ALIAS  # type: ignore[attr-defined]
    caches_[alias] = {**caches_[alias], "LOCATION": "redis://127.0.0.1:1/0"}  # nothing listens
    settings.CACHES = caches_  # type: ignore[attr-defined]


def test_without_redis_signed_in_browsers_stay_signed_in_and_can_sign_in(
    district: District, redis_down: None
) -> None:
    teacher = member(district.school_a).user
    browser = client_for(teacher, SCHOOL)
    assert _signed_in(browser, SCHOOL)  # read from the row
    newcomer = Client(HTTP_HOST=SCHOOL)
    response = newcomer.post("/accounts/login/", {"username": teacher.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(newcomer, SCHOOL)


def test_without_redis_a_sign_out_is_refused_and_changes_nothing(
    district: District, redis_down: None
) -> None:
    browser = client_for(member(district.school_a).user, SCHOOL)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    response = browser.post("/accounts/logout/", HTTP_HOST=SCHOOL, follow=True)
    # the person is told it failed (in their language), not shown a 500; it did not half happen
    assert response.status_code == 200
    assert "Вы всё ещё в системе" in response.content.decode()
    assert Session.objects.filter(session_key=key).exists()
    assert _signed_in(browser, SCHOOL)
