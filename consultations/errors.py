"""Domain errors of consultations.  Each becomes a form error, a message or a 4xx JSON body."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from tutornet.errors import ConflictError, TutornetError


class SlotTakenError(ConflictError):
    """The slot has no free place left (someone was faster)."""

    code = "slot_taken"

    def __init__(self, message: str | Promise | None = None, *, field: str | None = "slot") -> None:
        super().__init__(message or _("This time is already taken."), field=field)


class OverlapError(ConflictError):
    """The teacher already has a consultation at that time."""

    code = "overlap"

    def __init__(self, message: str | Promise | None = None, *, field: str | None = "slot") -> None:
        super().__init__(message or _("You already have a consultation at that time."), field=field)


class BusyElsewhereError(OverlapError):
    """The teacher already has a consultation at that time in another organisation.

    PostgreSQL refused the booking's busy time (``accounts.TeacherBusy``).  The
    booking services name that consultation once their transaction has rolled back.
    """

    def __init__(
        self, *, teacher_id: int, starts_at: datetime, ends_at: datetime, field: str | None = "slot"
    ) -> None:
        super().__init__(field=field)
        self.teacher_id = teacher_id
        self.starts_at = starts_at
        self.ends_at = ends_at


class DeadlinePassedError(ConflictError):
    """Too late to cancel or reschedule; the message names the deadline in local time."""

    code = "deadline_passed"

    def __init__(
        self,
        *,
        deadline: datetime,
        zone: ZoneInfo,
        action: str = "cancel",
        field: str | None = None,
    ) -> None:
        local = timezone.localtime(deadline, zone).strftime("%d.%m.%Y %H:%M")
        if action == "reschedule":
            message = _("Rescheduling is possible until %(deadline)s") % {"deadline": local}
        else:
            message = _("Cancelling is possible until %(deadline)s") % {"deadline": local}
        super().__init__(message, field=field)
        self.deadline = deadline


class BookingClosedError(TutornetError):
    """The slot cannot be booked now: cancelled, started, within the notice, beyond the horizon."""

    code = "booking_closed"

    def __init__(self, message: str | Promise, *, field: str | None = "slot") -> None:
        super().__init__(message, field=field)


class WaitlistError(TutornetError):
    code = "waitlist"
