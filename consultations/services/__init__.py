"""Every write of consultations: one transaction each (STYLE 1)."""

from .availability import (
    ExceptionRemoved,
    exception_add,
    exception_delete,
    offering_save,
    slots_generate,
    weekly_set,
)
from .booking import (
    booking_cancel,
    booking_create,
    booking_mark,
    booking_rate,
    booking_reschedule,
    waitlist_confirm,
    waitlist_decline,
    waitlist_expire_offers,
    waitlist_join,
)

__all__ = [
    "ExceptionRemoved",
    "booking_cancel",
    "booking_create",
    "booking_mark",
    "booking_rate",
    "booking_reschedule",
    "exception_add",
    "exception_delete",
    "offering_save",
    "slots_generate",
    "waitlist_confirm",
    "waitlist_decline",
    "waitlist_expire_offers",
    "waitlist_join",
    "weekly_set",
]
