"""Domain errors.  Every error a user can cause subclasses ``TutornetError``;
views turn it into a form error or message, the API into a 4xx JSON body."""

from __future__ import annotations

from django.utils.functional import Promise


class TutornetError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class PermissionDeniedError(TutornetError):
    status = 403
    code = "permission_denied"


class NotFoundError(TutornetError):
    status = 404
    code = "not_found"


class ConflictError(TutornetError):
    status = 409
    code = "conflict"
