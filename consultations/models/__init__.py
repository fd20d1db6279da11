"""The models of the consultations app, one module per subdomain, named here explicitly.

* ``consultations``: offerings, weekly hours, exceptions, slots, bookings, ratings, the
  waitlist and calendar feeds (this package's ``consultations`` module);
* the Methodological Help Hour: requests, sessions, outcome files, ratings and exports
  (``consultations.help_hour.models``, where the migrations find its upload paths).

Both live in the ``consultations`` app, so in every organisation's schema (TENANT_APPS).
"""

from consultations.help_hour.models import (
    HelpHourExport,
    HelpHourRequest,
    HelpHourSession,
    OutcomeFile,
    RequestEvent,
    UsefulnessRating,
)

from .consultations import (
    AvailabilityException,
    Booking,
    CalendarFeed,
    Offering,
    Rating,
    Slot,
    TsTzRange,
    WaitlistEntry,
    WeeklyAvailability,
)

__all__ = [
    "AvailabilityException",
    "Booking",
    "CalendarFeed",
    "HelpHourExport",
    "HelpHourRequest",
    "HelpHourSession",
    "Offering",
    "OutcomeFile",
    "Rating",
    "RequestEvent",
    "Slot",
    "TsTzRange",
    "UsefulnessRating",
    "WaitlistEntry",
    "WeeklyAvailability",
]
