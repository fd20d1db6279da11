"""Every page a role can reach, found by following links (tests/browser/crawl.py), passes axe-core
with no critical or serious violation, has one ``main`` landmark, is not a broken link, and does
not scroll sideways at phone size (390 px) — issue 14, "Accessibility as a test".

The district is small but lived in (tests/browser/small_district.py): results, a route with its
portfolio, a group route, a certificate, tutorials, Help Hour, the bank, consultations, a week."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Membership
from tests.browser.crawl import Walk, walk
from tests.browser.small_district import SmallDistrict, small_district_build
from tests.browser.test_keyboard_walk import sign_in_by_keyboard
from tests.conftest import District, LiveStack
from tutorials.models import Certificate

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.live]

SCHOOL, CENTRE = "school1.localhost", "centre.localhost"
DESKTOP = {"width": 1366, "height": 768}

# (who, portal): the teacher works on both portals (routes, results and the Help Hour queue are
# the centre's; their school's bank and staff are the school's); so does the school admin (their
# school's staff and requests on the school's, «Моя школа» in the district picture on the centre's).
ROLES = [
    ("teacher", SCHOOL),
    ("teacher", CENTRE),
    ("tutor", CENTRE),
    ("methodologist", CENTRE),
    ("admin_a", SCHOOL),
    ("admin_a", CENTRE),
    ("centre_admin", CENTRE),
]
# Among what each walk must reach (by links alone): the pages the small district fills.
HH = "/consultations/help-hour"
MUST_REACH = {
    ("teacher", SCHOOL): {"/casebank/mine/", f"{HH}/requests/", f"{HH}/{{id}}/", "/my/calendar/"},
    ("teacher", CENTRE): {"/routes/{id}/", "/routes/{id}/portfolio/", "/diagnostics/attempts/{id}/result/",
                          "/certificates/{id}/", "/tutorials/{id}/", "/events/{id}/", "/consultations/my/"},
    ("tutor", CENTRE): {"/consultations/offerings/{id}/", "/routes/{id}/", f"{HH}/centre/sessions/{{id}}/",
                        "/tutorials/{id}/participants/", "/events/"},
    ("methodologist", CENTRE): {"/routes/groups/{id}/", "/diagnostics/campaigns/{id}/results/",
                                f"{HH}/centre/{{id}}/", "/casebank/moderation/", "/district/",
                                "/events/{id}/"},
    ("admin_a", SCHOOL): {"/staff/", f"{HH}/requests/"},
    ("admin_a", CENTRE): {"/district/my-school/", "/district/my-school/{id}/", "/routes/"},
    ("centre_admin", CENTRE): {"/schools/", "/tutors/", "/codifiers/"},
}  # fmt: skip


@pytest.fixture(scope="module")
def small(district: District, django_db_blocker: Any) -> Iterator[SmallDistrict]:
    with django_db_blocker.unblock():
        began = time.monotonic()
        built = small_district_build(district)
        print(f"\n[walk] the small district built in {time.monotonic() - began:.1f} s", file=sys.stderr)
        yield built


def _membership(small: SmallDistrict, who: str) -> Membership:
    return small.centre_admin if who == "centre_admin" else getattr(small.cast, who)


def _report(role: str, host: str, result: Walk) -> None:
    print(  # the figures the report quotes (pytest -s, or -rA shows them)
        f"\n[walk] {role}@{host}: {len(result.checked)} kinds of page in {result.seconds:.1f} s:",
        " ".join(result.checked),
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
    assert result.left_over == [], f"the walk stopped at its limit with {len(result.left_over)} kinds left"
    missed = MUST_REACH[(who, host)] - {kind.split("?")[0] for kind in result.checked}
    assert not missed, f"the walk did not reach {sorted(missed)}; it checked {result.checked}"
    assert result.problems == [], "\n".join(
        [f"{who}@{host}: {len(result.problems)} problems", *result.problems]
    )
    assert result.overflowing == [], "\n".join(result.overflowing)
    page.context.close()


def test_the_pages_no_link_reaches_are_accessible_too(
    committed_db: None, live_stack: LiveStack, small: SmallDistrict, browser: Any
) -> None:
    """The 404 page, and a certificate's public verification page (its address is printed on the
    PDF, so no page links it): axe-clean, with one ``main``."""
    with tenant_context(small.cast.district.centre):
        certificate = Certificate.objects.get(user=small.cast.user("teacher"))
    page = browser.new_context(locale="ru-RU", bypass_csp=True, viewport=DESKTOP).new_page()
    sign_in_by_keyboard(page, live_stack, SCHOOL, small.cast.user("teacher").email)
    unlinked = [(SCHOOL, "/no/such/page/", 404), (CENTRE, f"/certificates/{certificate.token}/", 200)]
    for host, path, status in unlinked:
        response = page.goto(live_stack.url(host, path))
        assert response is not None and response.status == status, path
        assert page.locator("main").count() == 1, path
        assert_accessible(page, path)
