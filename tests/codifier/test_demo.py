"""The demo's codifiers: this year's OGE mathematics codifier, next year's, the mapping; idempotent."""

from __future__ import annotations

import pytest

from codifier.models import Codifier, TopicMapping
from tenants.demo import demo_district_seed
from tutorials.diagnostics.demo import demo_diagnostics_seed

pytestmark = pytest.mark.django_db


def test_the_demo_imports_two_years_of_the_oge_codifier_and_their_mapping_once() -> None:
    district = demo_district_seed()
    first = demo_diagnostics_seed(district.centre)
    codifiers = list(Codifier.objects.filter(subject__code="math").order_by("academic_year__starts_on"))
    assert len(codifiers) == 2
    assert codifiers[0].academic_year.is_current
    assert codifiers[0].topics.filter(code="7.5.8").exists()
    assert codifiers[1].topics.filter(code="8.4.1").exists()
    assert TopicMapping.objects.filter(old__codifier=codifiers[0], new__codifier=codifiers[1]).count() > 150
    assert any("codifier" in line for line in first)
    again = demo_diagnostics_seed(district.centre)
    assert not any("codifier" in line for line in again)
    assert Codifier.objects.filter(subject__code="math").count() == 2
    assert any("question bank" in line for line in first)
    assert not any("question bank" in line for line in again)
    from django_tenants.utils import tenant_context

    from tutorials.diagnostics.models import Item

    with tenant_context(district.centre):
        types = set(Item.objects.filter(subject__code="math").values_list("type", flat=True))
        assert types == {"single", "multiple", "short", "numeric", "matching", "extended"}
        assert Item.objects.filter(subject__code="math").count() >= 30
