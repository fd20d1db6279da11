"""Errors a user can cause with the codifier and with imports of tables."""

from __future__ import annotations

from tutornet.errors import PermissionDeniedError, TutornetError


class ImportRejectedError(TutornetError):
    """A file with bad rows or items: ``problems`` lists each one (position, reason); nothing
    of the file was written."""

    code = "import_rejected"

    def __init__(self, message: str, *, problems: list[tuple[str, str]], field: str = "file") -> None:
        super().__init__(message, field=field)
        self.problems = problems


class CodifierPermissionError(PermissionDeniedError):
    code = "codifier_permission_denied"


class CodifierInvalidError(TutornetError):
    code = "codifier_invalid"
