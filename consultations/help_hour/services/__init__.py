"""Every write of the Help Hour: requests, their transitions, sessions, outcomes, ratings, exports.

Where the rows live: in the CENTRE's schema (ARCHITECTURE 2).  Every service
takes the actor and the membership that authorises them (a school membership
for what the school does, a centre membership for what the centre does),
derives the centre from it and enters the centre's schema explicitly with
``schema_context`` before its transaction, so it does the same on a school's
host, on the centre's host and in a task.  Objects returned are loaded in that
schema with the relations pages need; do not follow other relations from a
school's host (use ``selectors``).

Invariants: a request moves only along ``workflow`` (an illegal step is an
``IllegalTransitionError`` naming the status and the action).  Every step locks
the request's row (``select_for_update``) before reading its status, so two
methodologists acting at once are serialised and the second is refused;
every step writes a ``RequestEvent`` and notifies the people concerned through
the outbox, once per step and person (``notify``).  A session never holds more
participants than its capacity: merging locks the session's row first.
"""

from ._common import (
    BUILD_EXPORT_TASK,
    EXPORT_FAILED,
    MAX_PREFERRED_TIMES,
    TIME_RE,
)
from .exports import (
    export_build,
    export_start,
)
from .requests import (
    clean_preferred_times,
    request_accept,
    request_assign_tutor,
    request_create,
    request_reject,
    request_return,
    request_submit,
    request_update,
    request_withdraw,
)
from .sessions import (
    session_close,
    session_mark_held,
    session_merge,
    session_rate,
    session_record_outcome,
    session_schedule,
)

__all__ = [
    "BUILD_EXPORT_TASK",
    "EXPORT_FAILED",
    "MAX_PREFERRED_TIMES",
    "TIME_RE",
    "clean_preferred_times",
    "export_build",
    "export_start",
    "request_accept",
    "request_assign_tutor",
    "request_create",
    "request_reject",
    "request_return",
    "request_submit",
    "request_update",
    "request_withdraw",
    "session_close",
    "session_mark_held",
    "session_merge",
    "session_rate",
    "session_record_outcome",
    "session_schedule",
]
