"""Reads of the case-material bank, by subdomain: ``materials`` (one material, its versions, the
person's lists, "more like this", the district copy) and ``search`` (full-text search).

Every selector decides visibility through ``casebank.permissions`` for the bank of the active
schema; a material the person may not see looks exactly like a missing one.
"""

from .materials import (
    DistrictCopy,
    comments_of,
    district_copy_of,
    favourites_of,
    is_favourite,
    material_get,
    material_versions,
    materials_authored,
    materials_similar,
    moderation_queue,
    pending_version,
    possible_co_authors,
    rating_of,
    version_get,
)
from .search import MAX_PAGE, MAX_PER_PAGE, SORTS, SearchHit, SearchPage, materials_search

__all__ = [
    "MAX_PAGE", "MAX_PER_PAGE", "SORTS", "DistrictCopy", "SearchHit", "SearchPage", "comments_of",
    "district_copy_of",
    "favourites_of", "is_favourite", "material_get", "material_versions", "materials_authored",
    "materials_search", "materials_similar", "moderation_queue", "pending_version", "possible_co_authors",
    "rating_of", "version_get",
]  # fmt: skip
