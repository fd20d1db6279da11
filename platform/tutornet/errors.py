"""Domain errors.  Every error a user can cause subclasses ``TutornetError``;
views turn it into a form error or message, the API into a 4xx JSON body."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from psycopg.errors import UniqueViolation


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


@contextmanager
def unique_or_conflict(message: str | Promise, *, field: str | None = None) -> Iterator[None]:
    """Run a write in a savepoint; a unique constraint that another transaction won at the
    same moment (the check before it passed in both) becomes a 409 with ``message``, not a 500.

    Only unique violations: any other integrity error is a bug and stays one.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if isinstance(exc.__cause__, UniqueViolation):
            raise ConflictError(message, field=field) from exc
        raise
