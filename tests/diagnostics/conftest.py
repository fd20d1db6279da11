"""Question-bank tests: English messages, files under a temporary MEDIA_ROOT."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.utils import translation


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Iterator[Path]:
    storage = storages["default"]
    storage.__dict__.pop("relative_media_root", None)
    settings.MEDIA_ROOT = tmp_path
    yield tmp_path
    storage.__dict__.pop("relative_media_root", None)


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield
