"""Every page a role can reach, found by following links (tests/browser/crawl.py), passes axe-core
with no critical or serious violation, has one ``main`` landmark, is not a broken link, and does
not scroll sideways at phone size (390 px) — issue 14, "Accessibility as a test".

The district is small but lived in (tests/browser/small_district.py): results, a route with its
portfolio, a group route, a certificate, tutorials, Help Hour, the bank, consultations, a week."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from accounts.models import Membership
from tests.browser.crawl import Walk, walk
from tests.browser.small_district import SmallDistrict, small_district_build
from tests.browser.test_keyboard_walk import sign_in_by_keyboard
from tests.conftest import District, LiveStack

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.live]

SCHOOL, CENTRE = "school1.localhost", "centre.localhost"
DESKTOP = {"width": 1366, "height": 768}

# (who, portal): the teacher works on both portals (routes, results and the Help Hour queue are
# the centre's; their school's bank and staff are the school's).
ROLES = [
    ("teacher", SCHOOL),
    ("teacher", CENTRE),
    ("tutor", CENTRE),
    ("methodologist", CENTRE),
    ("admin_a", SCHOOL),
    ("centre_admin", CENTRE),
]


@pytest.fixture(scope="module")
def small(district: District, django_db_blocker: Any) -> Iterator[SmallDistrict]:
    with django_db_blocker.unblock():
        yield small_district_build(district)


def _membership(small: SmallDistrict, who: str) -> Membership:
    return small.centre_admin if who == "centre_admin" else getattr(small.cast, who)


def _report(role: str, host: str, result: Walk) -> None:
    print(  # the figures the report quotes (pytest -s, or -rA shows them)
        f"\n[walk] {role}@{host}: {len(result.checked)} kinds of page in {result.seconds:.1f} s",
        file=sys.stderr,
    )


@pytest.mark.parametrize(("who", "host"), ROLES, ids=[f"{w}@{h.split('.')[0]}" for w, h in ROLES])
def test_every_page_a_role_reaches_by_links_is_accessible_and_fits_a_phone(
    committed_db: None, live_stack: LiveStack, small: SmallDistrict, browser: Any, who: str, host: str
) -> None:
    person = _membership(small, who).user
    page = browser.new_context(locale="ru-RU", bypass_csp=True, viewport=DESKTOP).new_page()
    sign_in_by_keyboard(page, live_stack, host, person.email)
    result = walk(page, live_stack.url(host, "").rstrip("/"))
    _report(who, host, result)
    assert len(result.checked) >= 5, f"the walk found only {result.checked}"
    assert result.problems == [], "\n".join(
        [f"{who}@{host}: {len(result.problems)} problems", *result.problems]
    )
    assert result.overflowing == [], "\n".join(result.overflowing)
    page.context.close()


def test_the_not_found_page_is_accessible(
    committed_db: None, live_stack: LiveStack, small: SmallDistrict, browser: Any
) -> None:
    page = browser.new_context(locale="ru-RU", bypass_csp=True, viewport=DESKTOP).new_page()
    sign_in_by_keyboard(page, live_stack, SCHOOL, small.cast.user("teacher").email)
    response = page.goto(live_stack.url(SCHOOL, "/no/such/page/"))
    assert response is not None and response.status == 404
    assert page.locator("main").count() == 1
    assert_accessible(page, "the 404 page")
