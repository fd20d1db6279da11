"""Domain errors of tutorials.  Each becomes a form error, a message or a 4xx JSON body."""

from __future__ import annotations

from tutornet.errors import ConflictError, NotFoundError, PermissionDeniedError, TutornetError

__all__ = [
    "CheckinClosedError",
    "CheckinNotOpenError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "RegistrationClosedError",
    "TutorialFullError",
    "TutorialInvalidError",
    "TutornetError",
    "WrongCodeError",
]


class WrongCodeError(TutornetError):
    """The check-in code is not the one on the organiser's screen (or it has already rotated away)."""

    code = "wrong_code"


class CheckinNotOpenError(ConflictError):
    """Check-in for the session has not opened yet."""

    code = "checkin_not_open"


class CheckinClosedError(ConflictError):
    """The session (with its margin) is over: a late code is refused."""

    code = "checkin_closed"


class TutorialInvalidError(TutornetError):
    code = "tutorial_invalid"


class RegistrationClosedError(ConflictError):
    """Registration is not open: outside its window, past the deadline, or the tutorial is not published."""

    code = "registration_closed"


class TutorialFullError(ConflictError):
    """No free place left and the waiting list was not asked for."""

    code = "tutorial_full"
