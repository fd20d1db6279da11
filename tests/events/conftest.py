"""Fixtures of the events tests: the centre's schema is active, messages in English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context

from tests.conftest import District

from .helpers import Cast, make_cast


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def cast(district: District, db: None) -> Iterator[Cast]:
    with tenant_context(district.centre):
        yield make_cast(district)
