"""Every write of the case-material bank: ``entity_action(*, ..., actor)``, one transaction each.

The bank is the one of the organisation whose schema is active (the request's
tenant, or ``tenant_context`` in tasks and tests).  Split by subdomain:

* ``materials``: create, edit (versions), publish in a school, delete a draft;
* ``moderation``: submit to the district, publish / return / reject;
* ``engagement``: rate, favourite, comment, download.
"""

from .common import (
    MATERIAL_PATH,
    html_to_text,
    rank_vector_expression,
    sanitise_html,
    search_terms_add,
    search_vector_expression,
    search_vectors,
)
from .engagement import attachment_download, comment_create, favourite_set, material_rate
from .materials import (
    material_create,
    material_delete_draft,
    material_publish_in_school,
    material_update,
)
from .moderation import material_publish, material_reject, material_return, material_submit

__all__ = [
    "MATERIAL_PATH",
    "attachment_download",
    "comment_create",
    "favourite_set",
    "html_to_text",
    "material_create",
    "material_delete_draft",
    "material_publish",
    "material_publish_in_school",
    "material_rate",
    "material_reject",
    "material_return",
    "material_submit",
    "material_update",
    "rank_vector_expression",
    "sanitise_html",
    "search_terms_add",
    "search_vector_expression",
    "search_vectors",
]
