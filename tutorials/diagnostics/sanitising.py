"""The question bank's rich text: the shared sanitiser with the bank's own image sources."""

from __future__ import annotations

import re

from casebank.services.common import sanitise_html

# Images the question bank serves itself: an item's picture (``diagnostics:image``), or
# ``@@PLUGINFILE@@/<name>``, Moodle's placeholder for a picture embedded in an imported
# question (the import stores the picture and replaces the placeholder with the picture's
# own address in the same transaction: a relative path, never another site).
ITEM_IMAGE_SOURCE = re.compile(r"^(/(api/)?diagnostics/bank/images/\d+/|@@PLUGINFILE@@/[^/\\\s\"<>]+)$")


def sanitise_item_html(value: str) -> str:
    """An item's (or rubric's, or option's) HTML: only the bank's own images keep a source."""
    return sanitise_html(value, own_images=ITEM_IMAGE_SOURCE)
