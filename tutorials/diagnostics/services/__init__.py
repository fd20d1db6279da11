"""Every write of the question bank: ``entity_action(*, ..., actor)``, one transaction each.

* ``items``: create, edit (versions), archive, mark the versions a campaign uses;
* ``bodies``: checking an item's content for its type.
"""

from .bodies import clean_body
from .items import item_archive, item_create, item_image_add, item_update, versions_mark_used

__all__ = ["clean_body", "item_archive", "item_create", "item_image_add", "item_update", "versions_mark_used"]
