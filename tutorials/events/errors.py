"""Domain errors of events; each becomes a message, a form error or a 4xx JSON body."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from tutornet.errors import ConflictError, TutornetError


class EventFullError(ConflictError):
    code = "event_full"

    def __init__(self, message: str | Promise | None = None) -> None:
        super().__init__(message or _("There are no places left at this event."), field="event")


class TrackFullError(ConflictError):
    code = "track_full"

    def __init__(self, message: str | Promise | None = None) -> None:
        super().__init__(message or _("This track has no places left."), field="track")


class WindowClosedError(TutornetError):
    code = "window_closed"


class CheckInRefusedError(TutornetError):
    code = "check_in_refused"
