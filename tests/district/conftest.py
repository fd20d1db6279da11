"""Fixtures of the district picture's tests: the centre's schema entered, English messages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context

from tests.conftest import District


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def centre(district: District, db: None) -> Iterator[District]:
    with tenant_context(district.centre):
        yield district
