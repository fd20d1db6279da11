"""The demo district shows a real-looking picture: every school and topic filled, and a year
over year from last September's campaign."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tenants.demo import demo_district_seed
from tutorials.diagnostics.campaigns.demo import demo_campaigns_seed
from tutorials.diagnostics.campaigns.models import Campaign
from tutorials.diagnostics.demo import demo_diagnostics_seed
from tutorials.district import picture
from tutorials.district.services import snapshot_compute

pytestmark = pytest.mark.django_db


def test_the_demo_heatmap_and_year_over_year_have_real_looking_figures() -> None:
    district = demo_district_seed()
    demo_diagnostics_seed(district.centre)
    demo_campaigns_seed(district.centre)
    with tenant_context(district.centre):
        current = Campaign.objects.filter(academic_year__is_current=True).get()
        data = snapshot_compute(current.pk).data
        heat = picture.heatmap(data)
        assert len(heat.rows) == 3 and len(heat.topics) >= 4
        cells = [c for row in heat.rows for c in row.cells if not c.empty]
        assert cells and all(c.shown and c.n >= 10 for c in cells)
        means = [c.mean or 0 for c in cells]
        assert max(means) - min(means) > 10  # some topics are harder than others
        yoy = picture.year_over_year(data)
        assert yoy is not None and all(c.n >= 20 for c in yoy.district if c.n)
        assert sum(1 for c in yoy.district if c.n) == len(yoy.topics)
