"""Domain errors of routes; each becomes a message or a 4xx JSON body."""

from __future__ import annotations

from tutornet.errors import ConflictError, TutornetError


class TransitionRefusedError(TutornetError):
    """A lifecycle step that is not allowed now; the message says why."""

    code = "transition_refused"


class StaleVersionError(ConflictError):
    """Someone else saved the route (or item) since it was read: nothing was overwritten."""

    code = "stale_version"
