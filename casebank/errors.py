"""Errors a user can cause in the case-material bank (become form errors or 4xx JSON)."""

from __future__ import annotations

from tutornet.errors import ConflictError, NotFoundError, PermissionDeniedError, TutornetError

__all__ = [
    "AttachmentRejectedError",
    "AttachmentTooLargeError",
    "MaterialNotFoundError",
    "MaterialPermissionError",
    "ModerationStateError",
    "MaterialInvalidError",
]


class MaterialInvalidError(TutornetError):
    """A field of a material is missing or wrong (``field`` names it)."""

    code = "material_invalid"


class AttachmentRejectedError(TutornetError):
    """The file's content is not an allowed type, or does not match its name."""

    code = "attachment_rejected"


class AttachmentTooLargeError(TutornetError):
    status = 413
    code = "attachment_too_large"


class MaterialNotFoundError(NotFoundError):
    """No such material, or the person may not see it (the two are not told apart)."""


class MaterialPermissionError(PermissionDeniedError):
    pass


class ModerationStateError(ConflictError):
    """The material is not in a state that allows this step (e.g. nothing awaits moderation)."""

    code = "moderation_state"
