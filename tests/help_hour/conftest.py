"""Fixtures of the Help Hour tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.utils import translation

from tests.conftest import District

from .helpers import Cast, make_cast


def _forget_storage_paths() -> None:
    # django-tenants' storage caches its root and does not clear it when MEDIA_ROOT changes.
    storages["default"].__dict__.pop("relative_media_root", None)


@pytest.fixture(autouse=True)
def _media_in_tmp(request: Any, settings: Any, tmp_path: Path) -> Iterator[None]:
    """Uploaded files go to a temporary folder (live tests share the worker's real one)."""
    if request.node.get_closest_marker("live"):
        yield
        return
    settings.MEDIA_ROOT = tmp_path / "media"
    _forget_storage_paths()
    yield
    _forget_storage_paths()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English (the msgids); notifications still use each recipient's language."""
    with translation.override("en"):
        yield


@pytest.fixture
def cast(district: District, db: None) -> Cast:
    return make_cast(district)
