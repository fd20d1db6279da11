"""The demo district's picture looks real: every school and topic filled, and a year over
year from last September's campaign.

Called from tests/diagnostics_campaigns/test_demo.py, on the demo it seeds already: seeding
the whole demo again for these checks alone cost ~35 s of the suite."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from tenants.models import Organisation
from tutorials.diagnostics.campaigns.models import Campaign
from tutorials.district import picture
from tutorials.district.services import snapshot_compute


def assert_the_demo_picture_looks_real(centre: Organisation) -> None:
    with tenant_context(centre):
        current = Campaign.objects.filter(academic_year__is_current=True, subject__code="math").get()
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
