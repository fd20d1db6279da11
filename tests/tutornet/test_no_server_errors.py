"""A crawl of every page reachable by links, per role and host: nothing answers a server error.

Pages that a person reaches by clicking must never be a 500, whatever the role
(the same URL confs serve the public site, the centre and the schools).
"""

from __future__ import annotations

import re
from collections import deque

import pytest
from django.test import Client

from accounts.models import Role
from tests.conftest import District, client_for, member
from tests.tutornet.test_security_headers import inline_code

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/(?!/)[^"#?]*)(?:\?[^"#]*)?"')  # own paths, not //other.host/
# Leaving, downloading feeds, or switching the session: not pages to crawl.
SKIP = ("/accounts/logout/", "/accounts/hop/", "/static/", "/calendar/feed/", "/api/")


def crawl(client: Client, start: str = "/", limit: int = 80) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or path.startswith(SKIP):
            continue
        response = client.get(path)
        seen[path] = response.status_code
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode()
            # Every page passes its Content-Security-Policy: nothing inline that it would block.
            assert "script-src 'self'" in response["Content-Security-Policy"], path
            assert inline_code(html) == [], path
            queue.extend(LINK.findall(html))
    return seen


@pytest.mark.parametrize(
    ("where", "role"),
    [
        ("public", None),
        ("school_a", Role.TEACHER),
        ("school_a", Role.SCHOOL_ADMIN),
        ("school_a", Role.TUTOR),
        ("centre", Role.CENTRE_ADMIN),
        ("centre", Role.METHODOLOGIST),
        ("centre", Role.TUTOR),
    ],
)
def test_no_page_reachable_by_links_is_a_server_error(
    district: District, where: str, role: str | None
) -> None:
    if role is None:
        user = member(district.school_a).user
        host = "localhost"
    else:
        organisation = getattr(district, where)
        user = member(organisation, role).user
        host = district.host(organisation)
    statuses = crawl(client_for(user, host))
    assert len(statuses) >= 3, statuses
    errors = {path: code for path, code in statuses.items() if code >= 500}
    assert errors == {}


def test_a_school_teacher_on_the_centre_portal_meets_no_server_error(district: District) -> None:
    teacher = member(district.school_a).user
    statuses = crawl(client_for(teacher, "centre.localhost"))
    assert "/consultations/" in statuses or any(p.startswith("/consultations/") for p in statuses)
    assert {p: c for p, c in statuses.items() if c >= 500} == {}


def test_anonymous_visitors_meet_no_server_error(district: District) -> None:
    for host in ("localhost", "centre.localhost", "school1.localhost"):
        statuses = crawl(client_for(None, host))
        assert {p: c for p, c in statuses.items() if c >= 500} == {}, host
