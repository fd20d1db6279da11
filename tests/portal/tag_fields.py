"""The check shared by the tag-field tests of every form (issue 14: searchable tags, not Ctrl-click)."""

from __future__ import annotations

import re


def assert_tag_fields(page: str, *names: str) -> None:
    """Each named field is a ``<select multiple data-tags>`` (portal.widgets.TagSelect), none is a
    list of checkboxes, and the page loads the local Tom Select and editors.js that turn it into
    searchable tags (no CDN, no inline script)."""
    for name in names:
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>', page)
        assert select and "multiple" in select.group(0) and "data-tags" in select.group(0), name
        assert not re.search(rf'<input[^>]*type="checkbox"[^>]*name="{name}"', page), name
    assert "/static/vendor/tom-select/tom-select.complete.min.js" in page
    assert "/static/js/editors.js" in page
    assert "<script>" not in page
