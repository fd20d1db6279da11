"""The REST API as a whole: tenant isolation of every organisation endpoint, the
personal inbox, the OpenAPI schema and the offline Swagger UI."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accounts.models import Invitation, Membership, Role, User
from notifications.models import Kind, Notification
from notifications.services import notification_create
from tests.conftest import District, member

pytestmark = pytest.mark.django_db

API_PATHS = {
    "/api/auth/token/": {"post", "delete"},
    "/api/me/": {"get"},
    "/api/organisation/": {"get"},
    "/api/staff/": {"get"},
    "/api/staff/invitations/": {"post"},
    "/api/staff/{membership_id}/": {"patch"},
    "/api/notifications/": {"get"},
    "/api/notifications/read/": {"post"},
    "/api/notifications/unread-count/": {"get"},
}


def api_as(user: User | None, host: str) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- tenant isolation -------------------------------------------------------------------


def _organisation_requests(target: Membership) -> list[tuple[str, Callable[[APIClient], object]]]:
    return [
        ("GET organisation", lambda c: c.get("/api/organisation/")),
        ("GET staff", lambda c: c.get("/api/staff/")),
        (
            "POST invitation",
            lambda c: c.post(
                "/api/staff/invitations/", {"email": "x-probe@example.org", "role": "teacher"}, format="json"
            ),
        ),
        (
            "PATCH member",
            lambda c: c.patch(f"/api/staff/{target.pk}/", {"role": "school_admin"}, format="json"),
        ),
    ]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.SCHOOL_ADMIN])
def test_a_member_of_school_a_gets_403_on_every_organisation_endpoint_of_school_b(
    district: District, role: str
) -> None:
    intruder = member(district.school_a, role).user
    target = member(district.school_b, Role.TEACHER)
    client = api_as(intruder, "school2.localhost")
    for name, send in _organisation_requests(target):
        response = send(client)
        assert response.status_code == 403, name  # type: ignore[attr-defined]
        text = response.content.decode()  # type: ignore[attr-defined]
        assert "Школа № 2" not in text and target.user.email not in text, name
    target.refresh_from_db()
    assert target.role == Role.TEACHER
    assert not Invitation.objects.filter(email="x-probe@example.org").exists()


def test_the_public_host_serves_no_organisation_api(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    assert api_as(admin, "localhost").get("/api/staff/").status_code == 404


def test_an_anonymous_caller_gets_nothing_of_an_organisation(district: District) -> None:
    target = member(district.school_a, Role.TEACHER)
    client = api_as(None, "school1.localhost")
    for name, send in _organisation_requests(target):
        assert send(client).status_code == 401, name  # type: ignore[attr-defined]


def test_api_errors_speak_the_callers_language(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER, language="en").user
    response = api_as(teacher, "school2.localhost").get("/api/organisation/")
    assert response.status_code == 403
    assert response.json()["detail"] == "You are not a member of this organisation."


# --- the personal inbox -----------------------------------------------------------------


def _notify(user: User, subject: str) -> Notification:
    return notification_create(kind=Kind.WELCOME, recipient=user, subject=subject, body="…")


def test_the_notification_list_shows_only_the_callers_own(district: District) -> None:
    me, other = member(district.school_a).user, member(district.school_a).user
    mine = [_notify(me, "mine 1"), _notify(me, "mine 2")]
    theirs = _notify(other, "theirs")
    response = api_as(me, "school1.localhost").get("/api/notifications/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {n["id"] for n in body["results"]} == {n.pk for n in mine}
    assert theirs.pk not in {n["id"] for n in body["results"]}
    assert body["results"][0]["subject"] == "mine 2"  # newest first


def test_unread_filter_and_count_follow_marking_read(district: District) -> None:
    me = member(district.school_a).user
    first, second, third = (_notify(me, f"n{i}") for i in range(3))
    client = api_as(me, "school1.localhost")
    assert client.get("/api/notifications/unread-count/").json() == {"unread": 3}

    response = client.post("/api/notifications/read/", {"ids": [first.pk]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 2}
    unread = client.get("/api/notifications/", {"unread": "1"}).json()
    assert {n["id"] for n in unread["results"]} == {second.pk, third.pk}

    assert client.post("/api/notifications/read/", {"all": True}, format="json").json() == {
        "marked": 2,
        "unread": 0,
    }
    assert client.get("/api/notifications/", {"unread": "1"}).json()["count"] == 0


def test_marking_someone_elses_notification_read_changes_nothing(district: District) -> None:
    me, other = member(district.school_a).user, member(district.school_a).user
    theirs = _notify(other, "theirs")
    response = api_as(me, "school1.localhost").post(
        "/api/notifications/read/", {"ids": [theirs.pk]}, format="json"
    )
    assert response.json()["marked"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_ids_or_all(district: District) -> None:
    me = member(district.school_a).user
    response = api_as(me, "school1.localhost").post("/api/notifications/read/", {}, format="json")
    assert response.status_code == 400
    assert "ids" in response.json()


# --- OpenAPI schema and docs ----------------------------------------------------------------


@pytest.mark.parametrize("host", ["school1.localhost", "localhost"])
def test_the_schema_endpoint_serves_valid_openapi_3_with_every_api_path(
    district: District, host: str
) -> None:
    response = APIClient(HTTP_HOST=host).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    for path, methods in API_PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path
    staff = schema["paths"]["/api/staff/invitations/"]["post"]
    assert staff["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/InvitationInput")
    assert {"knoxApiToken", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_schema_generates_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning (a guessed serializer, a name clash) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/staff/{membership_id}/" in out.read_text()


def test_every_operation_declares_the_refusals_it_can_give_and_real_refusals_match_them(
    district: District,
) -> None:
    answer = APIClient(HTTP_HOST="school1.localhost").get("/api/schema/", {"format": "json"})
    schema = json.loads(answer.content)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared, where = set(operation["responses"]), f"{method.upper()} {path}"
            if operation.get("security") not in (None, [{}]):
                assert {"401", "403"} <= declared, where
            if "{" in path:
                assert "404" in declared, where
            if "requestBody" in operation:
                assert "400" in declared, where
    error = schema["components"]["schemas"]["Error"]
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    refusals = [
        APIClient(HTTP_HOST="school1.localhost").get("/api/staff/"),  # no caller
        api_as(member(district.school_a).user, "school1.localhost").get("/api/staff/"),  # a teacher
        api_as(admin, "school1.localhost").patch("/api/staff/999999/", {"role": "teacher"}, format="json"),
        api_as(admin, "school1.localhost").post("/api/staff/invitations/", {"email": "no"}, format="json"),
    ]
    assert [r.status_code for r in refusals] == [401, 403, 404, 400]
    for response in refusals:
        jsonschema.validate(response.json(), error)


ASSET = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", re.IGNORECASE)


@pytest.mark.parametrize("host", ["school1.localhost", "localhost"])
def test_swagger_ui_is_served_offline_from_local_static_files(district: District, host: str) -> None:
    client = APIClient(HTTP_HOST=host)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = ASSET.findall(html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    assert any(a.endswith(".css") for a in assets), assets
    # No CDN anywhere in the page: school networks filter the internet.
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html), html
    for asset in assets:
        if asset.startswith("/api/docs/?script"):
            # The start-up script, served by the page's own view (no inline script: the CSP).
            assert client.get(asset).status_code == 200
            continue
        assert asset.startswith("/static/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(b"".join(response.streaming_content)) > 100, asset  # type: ignore[attr-defined]
