"""Every write of the question bank: ``entity_action(*, ..., actor)``, one transaction each.

* ``items``: create, edit (versions), archive, mark the versions a campaign uses;
* ``bodies``: checking an item's content for its type;
* ``imports`` (with ``moodle``): items from Moodle XML or the XLSX template, all or none.
"""

from .bodies import clean_body
from .imports import items_import, template_workbook
from .items import item_archive, item_create, item_image_add, item_update, versions_mark_used

__all__ = [
    "items_import",
    "template_workbook",
    "clean_body",
    "item_archive",
    "item_create",
    "item_image_add",
    "item_update",
    "versions_mark_used",
]
