"""The one lock order of the consultation services, and one retry when PostgreSQL still finds a deadlock.

Every service that changes a slot, a booking or a waitlist entry takes its row locks in
this order, and only in this order:

1. the offering's future slots (slot generation), or the slot(s) of the change, in
   primary-key order (``lock_slot`` / ``lock_slots``);
2. then the booking(s) or waitlist entries of those slots (``lock_booking``);
3. last, the teacher's busy time in the public schema (``accounts.TeacherBusy``),
   which is only inserted or deleted, never locked first.

A service that starts from a booking therefore reads the booking *without* a lock to
learn its slot, locks the slot, and only then locks the booking.  Two services that
follow the order cannot wait on each other in a cycle.

What remains are the waits PostgreSQL itself creates (two overlapping INSERTs checked
by one exclusion constraint wait for each other, ``execIndexing.c``): ``retry_deadlock``
runs the whole transaction once more, and a second deadlock is a "try again" conflict,
never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

from tutornet.errors import ConflictError, NotFoundError

from ..models import Booking, Slot

DEADLOCK_DETECTED = "40P01"

P = ParamSpec("P")
R = TypeVar("R")
logger = logging.getLogger(__name__)


def is_deadlock(error: BaseException) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED


def lock_slot(slot_id: Any, *, field: str = "slot") -> Slot:
    """Step 1: the slot's row (the offering's subject and the tutor come along unlocked)."""
    try:
        return (
            Slot.objects.select_for_update(of=("self",))
            .select_related("offering__subject", "tutor")
            .get(pk=slot_id)
        )
    except (Slot.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("This consultation time does not exist."), field=field) from None


def lock_slots(slot_ids: Iterable[int]) -> dict[int, Slot]:
    """Step 1 for several slots: in primary-key order."""
    return {pk: lock_slot(pk) for pk in sorted(set(slot_ids))}


def lock_booking(booking_id: Any) -> Booking:
    """Step 2: the booking's row, once its slot is locked (its slot is joined, not locked)."""
    return Booking.objects.select_for_update(of=("self",)).select_related("slot").get(pk=booking_id)


def retry_deadlock(service: Callable[P, R]) -> Callable[P, R]:
    """Run an atomic service once more when PostgreSQL broke a deadlock by refusing it.

    Wraps the outermost ``transaction.atomic`` of the service: inside a caller's
    transaction nothing can be retried, so the error goes up unchanged.
    """

    @wraps(service)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            return service(*args, **kwargs)
        try:
            return service(*args, **kwargs)
        except DatabaseError as error:
            if not is_deadlock(error):
                raise
            logger.warning("Deadlock in %s, retrying once", service.__name__)
        try:
            return service(*args, **kwargs)
        except DatabaseError as error:
            if not is_deadlock(error):
                raise
            logger.warning("Deadlock in %s again, refused", service.__name__)
            raise ConflictError(_("Too many changes at once; please try again.")) from None

    return wrapped
