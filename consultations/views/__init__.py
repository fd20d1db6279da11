"""The consultation pages (server-rendered), by who uses them: ``teachers`` and ``tutors``."""

from .teachers import (
    book,
    booking_cancel,
    booking_ics,
    booking_rate,
    booking_reschedule,
    browse,
    join,
    my,
    waitlist_answer,
)
from .tutors import booking_mark, calendar, exception_delete, offering_edit, offerings, ratings

__all__ = [
    "book",
    "booking_cancel",
    "booking_ics",
    "booking_rate",
    "booking_mark",
    "booking_reschedule",
    "browse",
    "calendar",
    "exception_delete",
    "join",
    "my",
    "offering_edit",
    "offerings",
    "ratings",
    "waitlist_answer",
]
