"""Errors a user can cause in the question bank (form errors or 4xx JSON)."""

from __future__ import annotations

from codifier.errors import ImportRejectedError
from tutornet.errors import ConflictError, NotFoundError, TutornetError

from .permissions import BankPermissionError
from .scoring import ResponseInvalidError

__all__ = [
    "BankPermissionError",
    "BlueprintShortError",
    "ItemInvalidError",
    "ItemNotFoundError",
    "ImportRejectedError",
    "ResponseInvalidError",
    "VersionUsedError",
]


class ItemInvalidError(TutornetError):
    """A field of an item is missing or wrong (``field`` names it)."""

    code = "item_invalid"


class ItemNotFoundError(NotFoundError):
    """No such item in this organisation's bank."""


class VersionUsedError(ConflictError):
    code = "version_used"


class BlueprintShortError(TutornetError):
    """The bank has fewer items for a topic than the blueprint asks for."""

    code = "blueprint_short"
