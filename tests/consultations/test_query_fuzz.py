"""No query parameter makes a consultations or Help Hour page or endpoint answer a 500.

Every page and list endpoint is asked with each of its parameters set to hostile values
(dates at the ends of the calendar, numbers beyond PostgreSQL's integers, garbage); the
answer is a page (the value clamped or ignored) or a 400, never a server error.
"""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.conftest import District, client_for, member

pytestmark = pytest.mark.django_db

HOSTILE = [
    "9999-12-31",
    "0001-01-01",
    "99999999999999999999",
    "999999999",
    "-1",
    "0",
    "abc",
    "",
    "1e400",
    "2026-02-30",
    "%00",
    "/\\evil.example",
]

CENTRE, SCHOOL = "centre.localhost", "school1.localhost"
HH = "/consultations/help-hour"
# (host, role, path, parameters)
PAGES: list[tuple[str, str, str, list[str]]] = [
    (CENTRE, Role.TEACHER, "/consultations/", ["week", "subject", "tutor"]),
    (CENTRE, Role.TUTOR, "/consultations/calendar/", ["week"]),
    (CENTRE, Role.TEACHER, "/consultations/my/", ["week"]),
    (CENTRE, Role.TUTOR, "/consultations/offerings/", ["page"]),
    (CENTRE, Role.CENTRE_ADMIN, "/consultations/ratings/", ["page"]),
    (SCHOOL, Role.TEACHER, f"{HH}/requests/", ["status"]),
    (
        CENTRE,
        Role.METHODOLOGIST,
        f"{HH}/centre/",
        ["min_age", "max_age", "subject", "school", "status", "category"],
    ),
    (CENTRE, Role.METHODOLOGIST, f"{HH}/centre/figures/", ["date_from", "date_to", "export"]),
    (CENTRE, Role.METHODOLOGIST, f"{HH}/centre/schedule/", ["requests"]),
    (CENTRE, Role.TUTOR, f"{HH}/centre/mine/", ["page"]),
    (SCHOOL, Role.TEACHER, f"{HH}/sessions/1/join/", ["back"]),
    (CENTRE, Role.TEACHER, "/api/consultations/slots/", ["date_from", "date_to", "subject", "tutor", "page"]),
    (CENTRE, Role.TEACHER, "/api/consultations/offerings/", ["subject", "tutor", "page"]),
    (CENTRE, Role.TUTOR, "/api/consultations/bookings/", ["as", "date_from", "date_to", "page"]),
    (CENTRE, Role.TEACHER, "/api/consultations/waitlist/", ["page"]),
]


@pytest.mark.parametrize(("host", "role", "path", "names"), PAGES, ids=[p[2] for p in PAGES])
def test_no_query_parameter_makes_a_server_error(
    host: str, role: str, path: str, names: list[str], district: District
) -> None:
    organisation = district.centre if host == CENTRE else district.school_a
    client = client_for(member(organisation, role).user, host)
    failures = []
    for name in names:
        for value in HOSTILE:
            response = client.get(path, {name: value})
            if response.status_code >= 500:
                failures.append((name, value, response.status_code))
    # Both ends of the period at once, the combination the probes found.
    if "date_from" in names:
        response = client.get(path, {"date_from": "0001-01-01", "date_to": "9999-12-31"})
        if response.status_code >= 500:
            failures.append(("date_from+date_to", "0001-01-01..9999-12-31", response.status_code))
    assert failures == []
