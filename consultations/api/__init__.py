"""REST API of consultations: offerings, free slots, bookings, the waitlist.

One small view per operation with its own input and output serializers; the
writes are ``consultations.services`` functions, the same ones the HTML pages
call.  Who may use this organisation's consultations is decided by
``consultations.permissions`` on the caller's *district* membership: on the
centre's host a teacher of one of the centre's schools books municipal tutors
with their school membership (ARCHITECTURE 3).

Times are given twice: ``starts_at``/``ends_at`` in UTC (ISO 8601, ``Z``) and
``starts_at_local``/``ends_at_local`` in the organisation's time zone, with its
offset (ARCHITECTURE 8).
"""

from ._common import BookingOutputSerializer, new_booking_data
from .bookings import (
    MARK_STATUSES,
    BookingCancelApi,
    BookingCreateInputSerializer,
    BookingDetailApi,
    BookingListCreateApi,
    BookingMarkApi,
    BookingRateApi,
    BookingRescheduleApi,
    WaitlistConfirmApi,
    WaitlistDeclineApi,
    WaitlistListJoinApi,
    _plain_booking_input,
)
from .offerings import (
    OfferingDetailApi,
    OfferingListCreateApi,
    SlotDetailApi,
    SlotListApi,
)

__all__ = [
    "BookingCancelApi",
    "BookingCreateInputSerializer",
    "BookingDetailApi",
    "BookingListCreateApi",
    "BookingMarkApi",
    "BookingOutputSerializer",
    "BookingRateApi",
    "BookingRescheduleApi",
    "MARK_STATUSES",
    "OfferingDetailApi",
    "OfferingListCreateApi",
    "SlotDetailApi",
    "SlotListApi",
    "WaitlistConfirmApi",
    "WaitlistDeclineApi",
    "WaitlistListJoinApi",
    "_plain_booking_input",
    "new_booking_data",
]
