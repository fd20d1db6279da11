"""Every write of tutorials: one function per action, one transaction each (ARCHITECTURE 6)."""

from .attendance import (
    attendance_mark,
    certificates_issue_for_tutorial,
    checkin_with_code,
    feedback_submit,
)
from .registration import (
    registration_cancel,
    registration_create,
    registration_decide,
    reminders_send,
    waitlist_accept,
    waitlist_expire_offers,
)
from .tutorials import (
    material_attach,
    tutorial_cancel,
    tutorial_create,
    tutorial_message,
    tutorial_move,
    tutorial_publish,
    tutorial_update,
)

__all__ = [
    "attendance_mark",
    "certificates_issue_for_tutorial",
    "checkin_with_code",
    "feedback_submit",
    "material_attach",
    "registration_cancel",
    "registration_create",
    "registration_decide",
    "reminders_send",
    "tutorial_cancel",
    "tutorial_create",
    "tutorial_message",
    "tutorial_move",
    "tutorial_publish",
    "tutorial_update",
    "waitlist_accept",
    "waitlist_expire_offers",
]
