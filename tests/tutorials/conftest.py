"""Fixtures shared by the tutorials tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tenants.utils import tenant_context

from tenants.models import Organisation
from tests.conftest import District


@pytest.fixture
def centre(district: District) -> Iterator[Organisation]:
    """The centre, with its schema active for the test."""
    with tenant_context(district.centre):
        yield district.centre
