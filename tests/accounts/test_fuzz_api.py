"""Schema-wide fuzz of the accounts and organisation endpoints (issue 9: no parameter,
no body makes a 500; answers conform to the published OpenAPI schema).

Every operation of ``/api/schema/`` that belongs to accounts (tokens, me, the
organisation, staff, invitations) is sent bad and boundary input derived from its own
declaration (``tests/tutornet/schema_fuzz.py``), by a caller who may use it, on top of
an otherwise valid body, so that the values reach the services and the database.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.conftest import District, member
from tests.factories import SubjectFactory, api_token
from tests.tutornet.schema_fuzz import Operation, cases, error_message_problems, operations, problems_of, send

pytestmark = pytest.mark.django_db

ACCOUNTS = ("/api/auth/", "/api/me/", "/api/organisation/", "/api/staff/")
EXPECTED = {
    "POST /api/auth/token/",
    "DELETE /api/auth/token/",
    "GET /api/me/",
    "GET /api/organisation/",
    "GET /api/staff/",
    "PATCH /api/staff/{membership_id}/",
    "POST /api/staff/invitations/",
}
SCHOOL = "school1.localhost"


@functools.cache
def schema_text() -> str:
    """The schema organisations' hosts publish (made once per run: it takes seconds)."""
    return APIClient(HTTP_HOST=SCHOOL).get("/api/schema/", {"format": "json"}).content.decode()


def accounts_operations() -> dict[str, Operation]:
    return {op.name: op for op in operations(json.loads(schema_text()), ACCOUNTS)}


def session_client(user: Any) -> APIClient:
    client = APIClient(HTTP_HOST=SCHOOL)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_schema_declares_every_accounts_operation_the_fuzz_covers(district: District) -> None:
    assert set(accounts_operations()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_bad_input_to_an_accounts_operation_makes_a_server_error_or_a_body_off_its_schema(
    name: str, district: District
) -> None:
    operation = accounts_operations()[name]
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    colleague = member(district.school_a, Role.TEACHER)
    subject = SubjectFactory()
    path_values = {"membership_id": str(colleague.pk)}
    baseline: dict[str, Any] | None = None
    client = session_client(admin)
    if name == "POST /api/auth/token/":
        client = APIClient(HTTP_HOST=SCHOOL)
        baseline = {"email": colleague.user.email, "password": "not-the-password"}
    elif name == "DELETE /api/auth/token/":
        client = APIClient(HTTP_HOST=SCHOOL, HTTP_AUTHORIZATION=f"Token {api_token(admin)}")
    elif name == "PATCH /api/staff/{membership_id}/":
        baseline = {"role": Role.TEACHER, "subjects": [subject.pk], "is_active": True}
    elif name == "POST /api/staff/invitations/":
        baseline = {"email": "fuzz@example.org", "role": Role.TEACHER, "subjects": [subject.pk]}

    problems: list[str] = []
    sent = 0
    for case in cases(operation, path_values, baseline):
        response = send(client, operation, case)
        sent += 1
        problems += problems_of(operation, case, response)
        problems += error_message_problems(operation, case, response)
    assert sent >= 1
    assert problems == []
