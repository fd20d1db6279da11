"""What a teacher is shown of an item: its text and options, never its key.

The bank's ``ItemVersion.body`` holds the right answers (see
``tutorials.diagnostics.scoring``); this module copies out only what the test page
needs.  Options marked ``shuffle`` are shuffled with the attempt's seed, so a
teacher sees the same order on every device and after every reload.
"""

from __future__ import annotations

import random
from typing import Any

from tutorials.diagnostics.models import ItemType, ItemVersion

from .models import AttemptItem


def _options(rows: Any) -> list[dict[str, str]]:
    return [{"id": str(row.get("id")), "text": str(row.get("text", ""))} for row in rows or []]


def present(version: ItemVersion, *, seed: int = 0) -> dict[str, Any]:
    body = version.body or {}
    kind = version.item.type
    shown: dict[str, Any] = {
        "version_id": version.pk,
        "type": kind,
        "text": version.text,
        "max_points": str(version.max_points),
    }
    if kind in (ItemType.SINGLE, ItemType.MULTIPLE):
        options = _options(body.get("choices"))
        if body.get("shuffle"):
            random.Random(f"{seed}:{version.pk}").shuffle(options)
        shown["choices"] = options
    elif kind == ItemType.MATCHING:
        shown["left"] = _options(body.get("left"))
        right = _options(body.get("right"))
        random.Random(f"{seed}:{version.pk}:right").shuffle(right)
        shown["right"] = right
    elif kind == ItemType.NUMERIC:
        shown["unit"] = str(body.get("unit", ""))
    return shown


def present_items(items: list[AttemptItem], seed: int) -> list[dict[str, Any]]:
    return [{"position": item.position, **present(item.version, seed=seed)} for item in items]
