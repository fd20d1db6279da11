"""Fixtures of the routes tests: the centre's schema entered, the diagnostics cast built."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context

from tests.conftest import District
from tests.diagnostics_campaigns.helpers import Cast, make_cast


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def centre(district: District, db: None) -> Iterator[District]:
    with tenant_context(district.centre):
        yield district


@pytest.fixture
def cast(centre: District) -> Cast:
    return make_cast(centre)
