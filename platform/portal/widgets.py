"""Widgets shared by every portal's forms.

``TagSelect`` is the one way to offer several choices (issue 14, "Forms that a teacher can use"):
a ``<select multiple data-tags>`` that ``static/js/editors.js`` turns into a searchable, tag-style
Tom Select field which works by touch (no Ctrl-click). Without JavaScript it stays a plain
multi-select, so the field posts the same values and the form's validation does not change.
A template that renders one includes ``portal/_tags_head.html`` (the vendored Tom Select and
editors.js; no inline script, because of the CSP)."""

from __future__ import annotations

from typing import Any

from django import forms


class TagSelect(forms.SelectMultiple):
    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__({**(attrs or {}), "data-tags": ""}, choices)
