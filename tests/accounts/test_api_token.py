"""API tokens: e-mail + password -> token, token auth scoped to the host, throttled sign-in."""

from __future__ import annotations

import pytest
from django.conf import settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Role
from tests.conftest import District, member
from tests.factories import PASSWORD, api_token

pytestmark = pytest.mark.django_db


def api(host: str) -> APIClient:
    return APIClient(HTTP_HOST=host)


def test_a_token_is_issued_for_the_right_password_and_authenticates_the_api(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    response = api("school1.localhost").post(
        "/api/auth/token/", {"email": teacher.email.upper(), "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert key.startswith("tn_") and response.json()["expiry"]
    assert AuthToken.objects.filter(user=teacher).count() == 1

    client = api("school1.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/me/")
    assert me.status_code == 200
    assert me.json()["person"]["email"] == teacher.email


def test_a_token_request_gets_the_membership_of_the_host_although_the_middleware_saw_no_user(
    district: District,
) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    client = api("school1.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(teacher)}")
    response = client.get("/api/organisation/")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == district.school_a.pk
    assert response.json()["my_role"] == Role.TEACHER


def test_a_token_of_school_a_gets_nothing_on_school_b(district: District) -> None:
    teacher = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    client = api("school2.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(teacher)}")
    for path in ("/api/organisation/", "/api/staff/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Школа № 2" not in response.content.decode()
    # The middleware never saw this user: the API switches to their language itself.
    assert response.json()["detail"] == "You are not a member of this organisation."


def test_a_wrong_password_gets_no_token(district: District) -> None:
    teacher = member(district.school_a).user
    response = api("school1.localhost").post(
        "/api/auth/token/", {"email": teacher.email, "password": "wrong-password"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert not AuthToken.objects.filter(user=teacher).exists()


def test_a_token_request_without_email_names_the_field(district: District) -> None:
    response = api("school1.localhost").post("/api/auth/token/", {"password": "x"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_repeated_failures_lock_the_token_endpoint_even_for_the_right_password(district: District) -> None:
    teacher = member(district.school_a).user
    client = api("school1.localhost")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/auth/token/", {"email": teacher.email, "password": "wrong-password"}, format="json")
    response = client.post("/api/auth/token/", {"email": teacher.email, "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "locked_out"
    assert not AuthToken.objects.filter(user=teacher).exists()


def test_a_success_before_the_limit_resets_the_failure_count(district: District) -> None:
    teacher = member(district.school_a).user
    client = api("school1.localhost")
    wrong = {"email": teacher.email, "password": "wrong-password"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/api/auth/token/", wrong, format="json")
    right = client.post("/api/auth/token/", {"email": teacher.email, "password": PASSWORD}, format="json")
    assert right.status_code == 200
    # The counter starts again: the next failure is an ordinary wrong password, not a lock-out.
    assert client.post("/api/auth/token/", wrong, format="json").status_code == 400


def test_a_revoked_token_no_longer_authenticates(district: District) -> None:
    teacher = member(district.school_a).user
    key, other = api_token(teacher), api_token(teacher)
    client = api("school1.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete("/api/auth/token/").status_code == 204
    assert AuthToken.objects.filter(user=teacher).count() == 1  # only the one the request used
    response = client.get("/api/me/")
    assert response.status_code == 401, response.content
    # The person's other token (another script, another machine) still works.
    client.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert client.get("/api/me/").status_code == 200


def test_a_deactivated_person_cannot_get_a_token(district: District) -> None:
    teacher = member(district.school_a).user
    teacher.is_active = False
    teacher.save(update_fields=["is_active"])
    response = api("school1.localhost").post(
        "/api/auth/token/", {"email": teacher.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert not AuthToken.objects.filter(user=teacher).exists()


def test_failures_for_one_email_do_not_lock_out_another_person_from_the_same_address(
    district: District,
) -> None:
    # A school's staff share one public address: a lock-out is per e-mail and address.
    unlucky, colleague = member(district.school_a).user, member(district.school_a).user
    client = api("school1.localhost")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/auth/token/", {"email": unlucky.email, "password": "wrong-password"}, format="json")
    response = client.post(
        "/api/auth/token/", {"email": colleague.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


def test_tokens_are_stored_only_as_a_hash(district: District) -> None:
    teacher = member(district.school_a).user
    response = api("school1.localhost").post(
        "/api/auth/token/", {"email": teacher.email, "password": PASSWORD}, format="json"
    )
    key = response.json()["token"]
    stored = AuthToken.objects.get(user=teacher)
    assert key not in (stored.digest, stored.token_key) and len(stored.digest) == 128
    from knox.crypto import hash_token

    assert stored.digest == hash_token(key)


def test_a_token_expires_after_the_configured_days(district: District) -> None:
    from datetime import timedelta

    from django.utils import timezone

    teacher = member(district.school_a).user
    key = api_token(teacher)
    stored = AuthToken.objects.get(user=teacher)
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert ttl == timedelta(days=30)
    assert abs(stored.expiry - (timezone.now() + ttl)) < timedelta(minutes=1)
    client = api("school1.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/me/").status_code == 200
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/me/")
    assert response.status_code == 401
    assert not AuthToken.objects.filter(pk=stored.pk).exists()  # knox drops an expired token


def test_a_made_up_or_old_plaintext_token_is_refused(district: District) -> None:
    client = api("school1.localhost")
    client.credentials(HTTP_AUTHORIZATION="Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b")
    assert client.get("/api/me/").status_code == 401


def test_a_request_reads_the_token_once_and_expired_tokens_go_when_a_new_one_is_issued(
    district: District,
) -> None:
    """knox's authentication read all the caller's tokens on every request to delete the
    expired ones; here a request reads its own token only, and a new token's issue tidies up."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    teacher = member(district.school_a).user
    old_key, key = api_token(teacher), api_token(teacher)
    from knox.settings import CONSTANTS

    old = AuthToken.objects.get(user=teacher, token_key=old_key[: CONSTANTS.TOKEN_KEY_LENGTH])
    AuthToken.objects.filter(pk=old.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    client = api("school1.localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/me/")

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/me/").status_code == 200

    assert len([q for q in queries.captured_queries if "knox_authtoken" in q["sql"]]) == 1
    assert AuthToken.objects.filter(pk=old.pk).exists()  # refused if used, but not swept per request
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert client.get("/api/me/").status_code == 401
    assert not AuthToken.objects.filter(pk=old.pk).exists()
    # An expired token that is never used again goes when the person gets a new one.
    AuthToken.objects.filter(user=teacher).update(expiry=timezone.now() - timedelta(seconds=1))
    response = api("school1.localhost").post(
        "/api/auth/token/", {"email": teacher.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert AuthToken.objects.filter(user=teacher).count() == 1
