"""In real Chromium against the live stack, the district picture: a methodologist opens the
heatmap, sorts it by the weakest topics, opens a cell and sees the teachers behind it, and
downloads the XLSX, whose numbers are the page's; a school's administrator sees their own
school's row next to the district's and no other school. The results are taken through the
diagnostics' services (tests/district/helpers.py, 8 teachers), not the demo."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from accounts.models import User
from tests.conftest import District, LiveStack
from tests.district.helpers import build, take, teacher
from tutorials.diagnostics.campaigns.models import Campaign
from tutorials.diagnostics.models import ItemType
from tutorials.district.models import PictureSnapshot
from tutorials.district.services import snapshot_compute

from .axe import assert_accessible
from .test_keyboard_walk import press_on, sign_in_by_keyboard, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.live]

CENTRE = "centre.localhost"


def _page(browser: Any, stack: LiveStack, user: User) -> Any:
    page = browser.new_context(locale="ru-RU", accept_downloads=True).new_page()
    sign_in_by_keyboard(page, stack, CENTRE, user.email)
    return page


def test_a_methodologist_sorts_the_heatmap_opens_a_cell_and_downloads_it_a_school_admin_sees_one_row(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    with tenant_context(district.centre):
        p = build(district)
        # A fourth teacher in school 2 (1.1: 100, 1.2: 0, 2.1: 50), so that the topics differ:
        # the district's means are 1.1 50, 1.2 37.5, 2.1 43.75; school 2's are 50 on each.
        take(p.campaign, teacher(p.cast, district.school_b), {ItemType.SINGLE, ItemType.NUMERIC}, minutes=20)
        snapshot_compute(p.campaign.pk)
    a, b = district.school_a.pk, district.school_b.pk
    base = f"/district/{p.campaign.pk}/"
    try:
        # --- the methodologist: heatmap, sort, a cell, the XLSX ---
        page = _page(browser, live_stack, p.cast.user("methodologist"))
        page.goto(live_stack.url(CENTRE, base))
        codes = "#heatmap thead th[data-topic]"
        assert [c.split("\n")[0] for c in page.locator(codes).all_inner_texts()] == ["1.1", "1.2", "2.1"]
        assert page.locator("#heatmap tbody tr").count() == 2
        assert_accessible(page, "heatmap")
        # By keyboard (issue 14): Tab to each control, its focus visible, and Enter.
        press_on(page, "#sort-weak-topics")
        assert page.get_attribute("#sort-weak-topics", "aria-current") == "true"
        assert [c.split("\n")[0] for c in page.locator(codes).all_inner_texts()] == ["1.2", "2.1", "1.1"]
        press_on(page, f"#heatmap tr[data-school='{a}'] a[href$='/cell/{a}/{p.cast.topics['1.1'].pk}/']")
        teachers = page.inner_text("#cell-teachers")
        for name in ("a1", "a2", "a3", "a4"):
            assert p.teachers[name].user.get_full_name() in teachers
        assert p.teachers["b1"].user.get_full_name() not in teachers
        page.goto(live_stack.url(CENTRE, base))
        tab_to(page, "#xlsx-link")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        with open(download.value.path(), "rb") as xlsx:
            sheet = load_workbook(io.BytesIO(xlsx.read())).worksheets[0]
        rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=4, values_only=True)}
        assert rows["Школа № 1"][:9] == (50, 75, 4, 25, 75, 4, 38, 75, 4)  # 1.1, 1.2, 2.1: mean, deficit, n
        assert rows["Школа № 2"][:3] == (50, 50, 4)
        assert rows["Район"][0] == 50 and rows["Район"][2] == 8

        # --- the school's administrator: their row and the district's, no other school ---
        admin = _page(browser, live_stack, p.cast.user("admin_a"))
        admin.goto(live_stack.url(CENTRE, f"/district/my-school/{p.campaign.pk}/"))
        assert admin.locator("#heatmap tbody tr").count() == 1
        assert admin.get_attribute("#heatmap tbody tr", "data-school") == str(a)
        assert admin.locator(f"[data-school='{b}']").count() == 0
        assert "Школа № 2" not in admin.inner_text("main")
        assert admin.locator("#district-row").count() == 1
        assert admin.locator("#heatmap a[href*='/cell/']").count() == 0  # no teachers behind the cells
        assert_accessible(admin, "my school")
    finally:
        # Off the district's lists for the tests that follow (its attempts keep the campaign).
        with tenant_context(district.centre):
            Campaign.objects.filter(pk=p.campaign.pk).update(published_at=None)
            PictureSnapshot.objects.filter(campaign_id=p.campaign.pk).delete()
