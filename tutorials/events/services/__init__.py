"""Every write of multi-day events (one transaction each, permission checked inside)."""

from .allocating import RunSummary, event_allocate
from .attendance import (
    attendance_mark,
    certificate_of,
    check_in,
    event_certificate,
    event_certificates_issue,
)
from .building import (
    block_add,
    event_create,
    event_publish,
    event_settings_update,
    question_add,
    task_add,
    track_add,
)
from .reflection import defence_assign, reflection_write, task_score_set
from .registration import (
    assignment_move,
    participant_cancel,
    participant_register,
    rating_window_open,
    ratings_save,
    track_take,
)

__all__ = [
    "attendance_mark",
    "certificate_of",
    "check_in",
    "event_certificate",
    "event_certificates_issue",
    "RunSummary",
    "assignment_move",
    "block_add",
    "defence_assign",
    "event_allocate",
    "event_create",
    "event_publish",
    "event_settings_update",
    "participant_cancel",
    "participant_register",
    "question_add",
    "rating_window_open",
    "ratings_save",
    "reflection_write",
    "task_add",
    "task_score_set",
    "track_add",
    "track_take",
]
