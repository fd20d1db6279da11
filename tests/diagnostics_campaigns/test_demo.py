"""The demo's campaigns: two years of September mathematics results from an ability × difficulty
model, through the services; idempotent."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tenants.demo import demo_district_seed
from tests.district.demo_checks import assert_the_demo_picture_looks_real
from tutorials.diagnostics.campaigns import selectors
from tutorials.diagnostics.campaigns.demo import demo_campaigns_seed
from tutorials.diagnostics.campaigns.models import Attempt, Campaign, ItemAnalysis
from tutorials.diagnostics.demo import demo_diagnostics_seed

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_years_of_september_results_that_look_real() -> None:
    district = demo_district_seed()
    demo_diagnostics_seed(district.centre)
    first = demo_campaigns_seed(district.centre)
    assert sum("diagnostic campaign" in line for line in first) == 2
    with tenant_context(district.centre):
        # The demo's own (tests that commit may have left campaigns of theirs in this schema).
        campaigns = list(
            Campaign.objects.filter(title__startswith="Сентябрьская диагностика по математике").order_by(
                "academic_year__starts_on"
            )
        )
        assert [c.academic_year.is_current for c in campaigns] == [False, True]
        current = campaigns[1]
        final = Attempt.objects.filter(campaign=current, status=Attempt.Status.FINAL)
        assert final.count() >= 120
        assert len(set(final.values_list("school_id", flat=True))) == 3
        data = ItemAnalysis.objects.get(campaign=current).data
        facilities = [item["facility"] for item in data["items"]]
        # An ability × difficulty model: easy and hard items, items that discriminate.
        assert min(facilities) < 0.45 < 0.6 < max(facilities)
        assert (
            sum(1 for item in data["items"] if (item["discrimination_index"] or 0) > 20)
            >= len(facilities) // 2
        )
        assert data["test"]["cic"] is not None and data["test"]["cic"] > 30
        assert any(selectors.deficits_in_campaign(current).values())
        # The demo's teacher of mathematics (the tutor, who also teaches at school 1) took part too.
        assert final.filter(teacher__email="tutor@example.org").exists()
    assert_the_demo_picture_looks_real(district.centre)  # the district picture on the same demo
    again = demo_campaigns_seed(district.centre)
    assert not any("diagnostic campaign" in line for line in again)
