"""Every operation of ``/api/schema/``, not only accounts': bad and boundary path
parameters, query parameters and bodies (``schema_fuzz``) never make a 500, and
declared answers validate against the schema.

A lighter pass than ``tests/accounts/test_fuzz_api.py``: the caller is a member of the
right kind for the area, path parameters name objects that need not exist, and bodies
are spoiled from an empty one. The accounts operations are left to that file.
"""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.accounts.test_fuzz_api import ACCOUNTS, schema_text
from tests.conftest import District, member
from tests.tutornet.schema_fuzz import HOSTILE_SHORT, SHORT, Operation, cases, operations, problems_of, send

pytestmark = pytest.mark.django_db

CENTRE, SCHOOL = "centre.localhost", "school1.localhost"
# (path prefix, host, role of the caller): the first that matches.
CALLERS: list[tuple[str, str, str]] = [
    ("/api/notifications/", SCHOOL, Role.TEACHER),
    ("/api/consultations/offerings/", CENTRE, Role.TUTOR),
    ("/api/consultations/", SCHOOL, Role.TEACHER),
    ("/api/casebank/moderation/", CENTRE, Role.METHODOLOGIST),
    ("/api/casebank/", SCHOOL, Role.TEACHER),
    ("/api/", CENTRE, Role.METHODOLOGIST),
]


def other_operations() -> dict[str, Operation]:
    every = operations(json.loads(schema_text()))
    return {op.name: op for op in every if not op.path.startswith(ACCOUNTS)}


def caller_for(path: str) -> tuple[str, str]:
    return next((host, role) for prefix, host, role in CALLERS if path.startswith(prefix))


AREAS = [
    "casebank",
    "consultations",
    "diagnostics",
    "district",
    "events",
    "notifications",
    "routes",
    "tutorials",
]


@pytest.mark.parametrize("area", AREAS)
def test_no_bad_input_to_any_operation_of_an_area_makes_a_server_error_or_a_body_off_its_schema(
    area: str, district: District
) -> None:
    chosen = {name: op for name, op in other_operations().items() if op.path.startswith(f"/api/{area}/")}
    assert chosen, area
    clients: dict[tuple[str, str], APIClient] = {}
    problems: list[str] = []
    for operation in chosen.values():
        host, role = caller_for(operation.path)
        if (host, role) not in clients:
            organisation = district.centre if host == CENTRE else district.school_a
            client = APIClient(HTTP_HOST=host)
            client.force_login(
                member(organisation, role).user, backend="django.contrib.auth.backends.ModelBackend"
            )
            clients[host, role] = client
        for case in cases(operation, {}, None, HOSTILE_SHORT, SHORT):
            try:
                problems += problems_of(operation, case, send(clients[host, role], operation, case))
            except Exception as exc:
                problems.append(f"{operation.name} [{case.what}] raised {exc!r}")
    assert problems == []


def test_every_operation_of_the_schema_is_in_an_area_or_in_accounts(district: District) -> None:
    names = {op.path.split("/")[2] for op in other_operations().values()}
    assert names == set(AREAS)


@pytest.mark.parametrize("moment", ["0001-01-01", "0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_tutorial_dated_beyond_the_calendar_is_refused_naming_the_field(
    moment: str, district: District
) -> None:
    client = APIClient(HTTP_HOST=CENTRE)
    client.force_login(
        member(district.centre, Role.METHODOLOGIST).user, backend="django.contrib.auth.backends.ModelBackend"
    )
    body = {
        "title": "Семинар",
        "capacity": 10,
        "sessions": [{"starts_at": moment, "ends_at": "2026-12-10T12:00:00+03:00"}],
        "registration_closes_at": moment,
    }
    response = client.post("/api/tutorials/", body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    message = "Укажите дату между 2000 и 2999 годами."  # the person's language: Russian
    assert errors["registration_closes_at"] == [message]
    assert errors["sessions"]["0"]["starts_at"] == [message]  # DRF keys a nested list by index
