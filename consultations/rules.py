"""The two timing rules of consultations, each written once.

* "Can this slot be booked now": active, not started, at least the offering's notice ahead,
  at most its horizon ahead, and a free place.  ``closed_reason`` says why not in Python
  (the services refuse with it, the pages show the slot's state with it); ``bookable``
  says the same in SQL for lists of slots (the selectors).  A test holds the two together.
* "Can this booking still be changed" (cancelled or moved): until the offering's
  cancellation deadline before the start (``change_deadline``, ``can_change``).

This module reads nothing and imports no service, so views, selectors and services all
use it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.utils.translation import gettext as _

from .models import Booking, Slot

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def closed_reason(slot: Slot, now: datetime, *, notice: bool = True) -> str | None:
    """Why the slot cannot be booked at ``now`` (places aside), or None when it can.

    ``notice=False`` leaves out the minimum notice: a place offered from the waitlist may be
    taken, and a waitlist joined, up to the start.
    """
    offering = slot.offering
    if slot.is_cancelled or not offering.is_active:
        return _("This consultation time has been cancelled.")
    if slot.starts_at <= now:
        return _("This consultation has already started.")
    if notice and slot.starts_at < now + offering.min_notice_hours * HOUR:
        return _("Consultations must be booked at least %(hours)s hours in advance.") % {
            "hours": offering.min_notice_hours
        }
    if slot.starts_at > now + offering.horizon_days * DAY:
        return _("Consultations can be booked at most %(days)s days ahead.") % {"days": offering.horizon_days}
    return None


def is_bookable(slot: Slot, now: datetime) -> bool:
    """The whole rule for one slot: open now and a free place."""
    return closed_reason(slot, now) is None and slot.free_places > 0


def bookable(queryset: QuerySet[Slot], now: datetime) -> QuerySet[Slot]:
    """``is_bookable`` in SQL: the slots of ``queryset`` a teacher can book at ``now``."""
    notice = ExpressionWrapper(F("offering__min_notice_hours") * Value(HOUR), output_field=DurationField())
    horizon = ExpressionWrapper(F("offering__horizon_days") * Value(DAY), output_field=DurationField())
    return queryset.alias(notice=notice, horizon=horizon).filter(
        Q(is_cancelled=False, offering__is_active=True),
        booked__lt=F("capacity") - F("offered"),
        starts_at__gt=now,
        starts_at__gte=Value(now) + F("notice"),
        starts_at__lte=Value(now) + F("horizon"),
    )


def change_deadline(booking: Booking) -> datetime:
    """Until when the booking can be cancelled or moved (its slot's offering must be loaded)."""
    return booking.starts_at - booking.slot.offering.cancel_deadline_hours * HOUR


def can_change(booking: Booking, now: datetime) -> bool:
    """A confirmed booking before its deadline."""
    return booking.status == Booking.Status.CONFIRMED and now < change_deadline(booking)
