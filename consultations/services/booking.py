"""Bookings, cancellations, rescheduling, the waitlist, and what happens after a consultation.

Invariants, held by PostgreSQL and respected here:

* places: every change of a slot's counters (``booked``, ``offered``) happens
  under a row lock on the slot (``select_for_update``), and the check
  constraint ``slot_not_overbooked`` refuses anything beyond the capacity;
* a teacher's active bookings never overlap: the exclusion constraint
  ``teacher_bookings_do_not_overlap`` (and ``one_active_booking_per_slot`` for the
  same slot) refuses the INSERT, and the error becomes a clear message;
* nor across organisations: every active booking has its busy time in the public
  schema (``accounts.TeacherBusy``), written and deleted in the booking's own
  transaction, where ``teacher_busy_times_do_not_overlap`` refuses a person's
  overlapping consultation in another organisation with the same message;
* locks are taken in the one order written down in ``_locks``: slot(s) in
  primary-key order, then the booking or waitlist entry, then the busy time; a
  deadlock PostgreSQL still finds is retried once (``retry_deadlock``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import TeacherBusy, User
from tenants.models import Organisation
from tutornet.errors import ConflictError, NotFoundError, PermissionDeniedError, TutornetError

from .. import ics
from ..errors import (
    BookingClosedError,
    BusyElsewhereError,
    DeadlinePassedError,
    OverlapError,
    SlotTakenError,
    WaitlistError,
)
from ..models import Booking, Offering, Rating, Slot, WaitlistEntry
from ._common import audit, current_organisation, current_zone, live, notify
from ._locks import is_deadlock, lock_booking, lock_slot, lock_slots, retry_deadlock

ACTIVE_BOOKING = (Booking.Status.CONFIRMED, Booking.Status.HELD, Booking.Status.NO_SHOW)

P = ParamSpec("P")
R = TypeVar("R")


def _clean_question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise TutornetError(_("Write the question you bring to the consultation."), field="question")
    return question


def _check_open(slot: Slot, now: datetime, *, notice: bool = True) -> None:
    """The slot can be booked at ``now``: active, not started, within notice..horizon."""
    offering = slot.offering
    if slot.is_cancelled or not offering.is_active:
        raise BookingClosedError(_("This consultation time has been cancelled."))
    if slot.starts_at <= now:
        raise BookingClosedError(_("This consultation has already started."))
    if notice and slot.starts_at < now + timedelta(hours=offering.min_notice_hours):
        raise BookingClosedError(
            _("Consultations must be booked at least %(hours)s hours in advance.")
            % {"hours": offering.min_notice_hours}
        )
    if slot.starts_at > now + timedelta(days=offering.horizon_days):
        raise BookingClosedError(
            _("Consultations can be booked at most %(days)s days ahead.") % {"days": offering.horizon_days}
        )


def _constraint_of(error: DatabaseError) -> str:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def _organisation_id() -> int:
    """The organisation whose schema holds the bookings (no query under ``tenant_context``)."""
    organisation = current_organisation()
    assert organisation is not None, "bookings live in an organisation's schema"
    return organisation.pk


def _busy_time_insert(*, booking: Booking, teacher: User) -> None:
    """The booking's busy time in the public schema: one INSERT, refused on an overlap elsewhere."""
    try:
        TeacherBusy.objects.create(
            user=teacher,
            organisation_id=_organisation_id(),
            booking_id=booking.pk,
            during=DateTimeTZRange(booking.starts_at, booking.ends_at),
        )
    except (IntegrityError, OperationalError) as error:
        # Two overlapping INSERTs at the same moment can each find the other's row
        # and wait for it; PostgreSQL's deadlock detector then refuses one of them
        # (execIndexing.c), and that one is an overlap like any other.
        if _constraint_of(error) == "teacher_busy_times_do_not_overlap" or is_deadlock(error):
            raise BusyElsewhereError(
                teacher_id=teacher.pk, starts_at=booking.starts_at, ends_at=booking.ends_at
            ) from None
        raise


def _busy_time_delete(booking: Booking) -> None:
    TeacherBusy.objects.filter(organisation_id=_organisation_id(), booking_id=booking.pk).delete()


def _naming_the_other_booking(service: Callable[P, R]) -> Callable[P, R]:
    """Name the organisation and time of the consultation that refused a booking elsewhere.

    Asked only after the service's transaction rolled back (an aborted transaction
    can no longer read), so a booking that succeeds pays nothing for it.
    """

    @wraps(service)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except BusyElsewhereError as error:
            if connection.needs_rollback:  # inside a caller's broken transaction: nothing can be read
                raise
            other = (
                TeacherBusy.objects.select_related("organisation")
                .filter(
                    user_id=error.teacher_id, during__overlap=DateTimeTZRange(error.starts_at, error.ends_at)
                )
                .order_by("during")
                .first()
            )
            if other is None:  # the other booking was not committed, or is gone already
                raise
            zone = current_zone()
            starts, ends = other.during.lower, other.during.upper
            when = f"{ics.local_time(starts, zone)}–{timezone.localtime(ends, zone):%H:%M}"
            raise OverlapError(
                _("You already have a consultation at that time: %(when)s, %(organisation)s.")
                % {"when": when, "organisation": other.organisation.short_name},
                field=error.field,
            ) from None

    return wrapped


def _book(
    *,
    slot: Slot,
    teacher: User,
    teacher_organisation: Organisation | None,
    question: str,
    now: datetime,
    notice: bool = True,
    rescheduled_from: Booking | None = None,
) -> Booking:
    """Book one place of ``slot``, which the caller has locked."""
    if slot.tutor_id == teacher.pk:
        raise TutornetError(_("You cannot book your own consultation."), field="slot")
    _check_open(slot, now, notice=notice)
    if slot.free_places <= 0:
        # "Already booked" comes before "full", as it is the more useful answer.
        if Booking.objects.filter(slot=slot, teacher=teacher, status__in=ACTIVE_BOOKING).exists():
            raise OverlapError(_("You have already booked this consultation."))
        raise SlotTakenError()
    # The teacher's other bookings are not read first: the constraints refuse a second
    # booking of this slot (``one_active_booking_per_slot``, checked first, being the
    # older index) and any overlapping one (``teacher_bookings_do_not_overlap``), and
    # the error is turned into the same message the check would give.
    # The teacher's bookings in other organisations are not read either: the busy
    # time's INSERT is refused by ``teacher_busy_times_do_not_overlap``.
    # No savepoint of its own: every caller is one atomic service that lets the
    # error below propagate, so its own block (a savepoint when nested) rolls back.
    try:
        booking = Booking.objects.create(
            slot=slot,
            teacher=teacher,
            teacher_organisation=teacher_organisation,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            question=question,
            rescheduled_from=rescheduled_from,
        )
    except (IntegrityError, OperationalError) as error:
        constraint = _constraint_of(error)
        if constraint == "one_active_booking_per_slot":
            raise OverlapError(_("You have already booked this consultation.")) from None
        if constraint == "teacher_bookings_do_not_overlap" or is_deadlock(error):
            raise OverlapError() from None
        raise
    _busy_time_insert(booking=booking, teacher=teacher)
    slot.booked += 1
    slot.save(update_fields=["booked"])
    return booking


def _offer_next(slot: Slot, now: datetime) -> list[WaitlistEntry]:
    """Offer the slot's free places to the waitlist, first come first served (slot locked)."""
    offered: list[WaitlistEntry] = []
    if slot.is_cancelled or slot.starts_at <= now:
        return offered
    while slot.free_places > 0:
        entry = (
            WaitlistEntry.objects.select_for_update()
            .filter(slot=slot, status=WaitlistEntry.Status.WAITING)
            .order_by("created_at", "pk")
            .first()
        )
        if entry is None:
            break
        entry.status = WaitlistEntry.Status.OFFERED
        entry.offered_at = now
        entry.offer_expires_at = min(now + timedelta(minutes=settings.WAITLIST_OFFER_MINUTES), slot.starts_at)
        entry.save(update_fields=["status", "offered_at", "offer_expires_at"])
        slot.offered += 1
        slot.save(update_fields=["offered"])
        offered.append(entry)
    for entry in offered:
        notify().waitlist_offered(entry)
    return offered


def _release(booking: Booking, slot: Slot, *, actor: User, reason: str, now: datetime) -> None:
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = actor
    booking.cancel_reason = reason[:300]
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    _busy_time_delete(booking)
    slot.booked -= 1
    slot.save(update_fields=["booked"])


def _get_booking(booking_id: Any) -> Booking:
    try:
        return Booking.objects.select_related("slot").get(pk=booking_id)
    except (Booking.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("This booking does not exist."), field="booking") from None


def _check_change(
    booking: Booking, slot: Slot, *, actor: User, reason: str, now: datetime, action: str
) -> str:
    """Who may cancel or reschedule, with which reason, until when."""
    if actor.pk not in (booking.teacher_id, slot.tutor_id):
        raise PermissionDeniedError(_("You do not have permission to do this."))
    reason = (reason or "").strip()
    if actor.pk == slot.tutor_id and actor.pk != booking.teacher_id and not reason:
        raise TutornetError(_("Tell the teacher the reason."), field="reason")
    if booking.status != Booking.Status.CONFIRMED:
        raise ConflictError(_("This booking is no longer active."), field="booking")
    deadline = booking.starts_at - timedelta(hours=slot.offering.cancel_deadline_hours)
    if now >= deadline:
        raise DeadlinePassedError(deadline=deadline, zone=current_zone(), action=action)
    return reason


@retry_deadlock
@_naming_the_other_booking
@transaction.atomic
def booking_create(
    *,
    slot_id: Any,
    teacher: User,
    teacher_organisation: Organisation | None,
    question: str,
    now: datetime | None = None,
) -> Booking:
    """Book a place.  Refuses: a cancelled, started, too-near or too-far slot
    (BookingClosedError); a full one (SlotTakenError); a time at which the teacher
    already has a consultation (OverlapError); an empty question."""
    question = _clean_question(question)
    now = now or timezone.now()
    slot = lock_slot(slot_id)
    booking = _book(
        slot=slot, teacher=teacher, teacher_organisation=teacher_organisation, question=question, now=now
    )
    audit(
        actor=teacher, action="consultations.booking_create", target=booking, booking=booking.pk, slot=slot.pk
    )
    notify().booking_confirmed(booking)
    live().slot_changed(slot)
    return booking


@retry_deadlock
@transaction.atomic
def booking_cancel(*, booking_id: Any, actor: User, reason: str = "", now: datetime | None = None) -> Booking:
    """Cancel, by the teacher or the slot's tutor (who must give a reason), until the
    offering's deadline; the freed place goes to the waitlist first."""
    now = now or timezone.now()
    slot = lock_slot(_get_booking(booking_id).slot_id)
    booking = lock_booking(booking_id)
    booking.slot = slot
    reason = _check_change(booking, slot, actor=actor, reason=reason, now=now, action="cancel")
    _release(booking, slot, actor=actor, reason=reason, now=now)
    audit(
        actor=actor, action="consultations.booking_cancel", target=booking, booking=booking.pk, reason=reason
    )
    notify().booking_cancelled(booking, actor)
    _offer_next(slot, now)
    live().slot_changed(slot)
    return booking


@retry_deadlock
@_naming_the_other_booking
@transaction.atomic
def booking_reschedule(
    *, booking_id: Any, new_slot_id: Any, actor: User, reason: str = "", now: datetime | None = None
) -> Booking:
    """Move a booking to another slot of the same tutor: the old one is cancelled and
    the new one booked in one transaction, so either both happen or neither."""
    now = now or timezone.now()
    old_slot_id = _get_booking(booking_id).slot_id
    try:
        new_slot_pk = int(new_slot_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("This consultation time does not exist."), field="new_slot") from None
    if new_slot_pk == old_slot_id:
        raise TutornetError(_("Choose another time."), field="new_slot")
    try:
        slots = lock_slots((old_slot_id, new_slot_pk))
    except NotFoundError:
        raise NotFoundError(_("This consultation time does not exist."), field="new_slot") from None
    slot, new_slot = slots[old_slot_id], slots[new_slot_pk]
    booking = lock_booking(booking_id)
    booking.slot = slot
    reason = _check_change(booking, slot, actor=actor, reason=reason, now=now, action="reschedule")
    if new_slot.tutor_id != slot.tutor_id:
        raise TutornetError(
            _("A consultation can be moved only to another time of the same tutor."), field="new_slot"
        )
    teacher = User.objects.get(pk=booking.teacher_id)
    _release(booking, slot, actor=actor, reason=reason, now=now)
    try:
        new = _book(
            slot=new_slot,
            teacher=teacher,
            teacher_organisation=booking.teacher_organisation,
            question=booking.question,
            now=now,
            rescheduled_from=booking,
        )
    except TutornetError as error:
        if error.field == "slot":
            error.field = "new_slot"
        raise
    audit(
        actor=actor,
        action="consultations.booking_reschedule",
        target=new,
        booking=booking.pk,
        new_booking=new.pk,
        reason=reason,
    )
    notify().booking_rescheduled(booking, new, actor)
    _offer_next(slot, now)
    live().slot_changed(slot)
    live().slot_changed(new_slot)
    return new


# --- waitlist --------------------------------------------------------------------------


@retry_deadlock
@transaction.atomic
def waitlist_join(
    *, slot_id: Any, teacher: User, teacher_organisation: Organisation | None, question: str
) -> WaitlistEntry:
    """Join the waitlist of a full group slot (while it has free places, book instead)."""
    question = _clean_question(question)
    now = timezone.now()
    slot = lock_slot(slot_id)
    if slot.offering.format != Offering.Format.GROUP:
        raise WaitlistError(_("Only group consultations have a waitlist."), field="slot")
    if slot.tutor_id == teacher.pk:
        raise WaitlistError(_("You cannot book your own consultation."), field="slot")
    _check_open(slot, now, notice=False)
    if Booking.objects.filter(slot=slot, teacher=teacher, status__in=ACTIVE_BOOKING).exists():
        raise WaitlistError(_("You have already booked this consultation."), field="slot")
    if slot.free_places > 0:
        raise WaitlistError(_("There are free places: book one."), field="slot")
    if WaitlistEntry.objects.filter(
        slot=slot, teacher=teacher, status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)
    ).exists():
        raise WaitlistError(_("You are already on the waitlist."), field="slot")
    entry = WaitlistEntry.objects.create(
        slot=slot, teacher=teacher, teacher_organisation=teacher_organisation, question=question
    )
    audit(actor=teacher, action="consultations.waitlist_join", target=entry, slot=slot.pk)
    return entry


def _lock_entry(entry_id: Any, teacher: User) -> tuple[WaitlistEntry, Slot]:
    entry = WaitlistEntry.objects.filter(pk=entry_id).first() if str(entry_id).isdigit() else None
    if entry is None or entry.teacher_id != teacher.pk:
        raise NotFoundError(_("This waitlist place does not exist."), field="entry")
    slot = lock_slot(entry.slot_id)
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    return entry, slot


@retry_deadlock
@_naming_the_other_booking
@transaction.atomic
def waitlist_confirm(*, entry_id: Any, teacher: User, now: datetime | None = None) -> Booking:
    """Take the place offered to the teacher, while the offer lasts."""
    now = now or timezone.now()
    entry, slot = _lock_entry(entry_id, teacher)
    if entry.status != WaitlistEntry.Status.OFFERED:
        raise WaitlistError(_("No place is offered to you on this consultation."), field="entry")
    if entry.offer_expires_at is None or entry.offer_expires_at <= now:
        raise WaitlistError(_("The offer has expired."), field="entry")
    slot.offered -= 1
    slot.save(update_fields=["offered"])
    booking = _book(
        slot=slot,
        teacher=teacher,
        teacher_organisation=entry.teacher_organisation,
        question=entry.question,
        now=now,
        notice=False,
    )
    entry.status = WaitlistEntry.Status.ACCEPTED
    entry.save(update_fields=["status"])
    audit(actor=teacher, action="consultations.waitlist_confirm", target=booking, booking=booking.pk)
    notify().booking_confirmed(booking)
    live().slot_changed(slot)
    return booking


@retry_deadlock
@transaction.atomic
def waitlist_decline(*, entry_id: Any, teacher: User) -> None:
    """Leave the waitlist; a place offered to the teacher passes to the next."""
    now = timezone.now()
    entry, slot = _lock_entry(entry_id, teacher)
    if entry.status not in (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED):
        raise WaitlistError(_("You are not on this waitlist."), field="entry")
    held_a_place = entry.status == WaitlistEntry.Status.OFFERED
    entry.status = WaitlistEntry.Status.CANCELLED
    entry.save(update_fields=["status"])
    audit(actor=teacher, action="consultations.waitlist_decline", target=entry, slot=slot.pk)
    if held_a_place:
        slot.offered -= 1
        slot.save(update_fields=["offered"])
        _offer_next(slot, now)
        live().slot_changed(slot)


def waitlist_expire_offers(*, now: datetime | None = None) -> int:
    """Pass every expired offer (in the current schema) on to the next teacher; return how many expired.

    One short transaction per slot, so a sweep over many slots never holds their
    locks together.  Safe to run concurrently: each entry is re-read under its slot's lock.
    """
    now = now or timezone.now()
    due = WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.OFFERED, offer_expires_at__lte=now
    ).values_list("pk", "slot_id")
    by_slot: dict[int, list[int]] = {}
    for pk, slot_id in due:
        by_slot.setdefault(slot_id, []).append(pk)
    return sum(_expire_offers_of_slot(slot_id, by_slot[slot_id], now) for slot_id in sorted(by_slot))


@retry_deadlock
@transaction.atomic
def _expire_offers_of_slot(slot_id: int, entry_ids: list[int], now: datetime) -> int:
    slot = lock_slot(slot_id)
    count = WaitlistEntry.objects.filter(
        pk__in=entry_ids, status=WaitlistEntry.Status.OFFERED, offer_expires_at__lte=now
    ).update(status=WaitlistEntry.Status.EXPIRED)
    if not count:
        return 0
    slot.offered -= count
    slot.save(update_fields=["offered"])
    _offer_next(slot, now)
    live().slot_changed(slot)
    return count


# --- after the consultation ----------------------------------------------------------


@retry_deadlock
@transaction.atomic
def booking_mark(*, booking_id: Any, actor: User, status: str, outcome_note: str = "") -> Booking:
    """The slot's tutor marks a consultation held or no-show (after its start) with an outcome note."""
    slot = lock_slot(_get_booking(booking_id).slot_id)
    booking = lock_booking(booking_id)
    booking.slot = slot
    if actor.pk != booking.slot.tutor_id:
        raise PermissionDeniedError(_("Only the consultation's tutor can mark it."))
    if status not in (Booking.Status.HELD, Booking.Status.NO_SHOW):
        raise TutornetError(_("Choose held or did not come."), field="status")
    if booking.status == Booking.Status.CANCELLED:
        raise ConflictError(_("This booking was cancelled."), field="booking")
    if timezone.now() < booking.starts_at:
        raise ConflictError(_("The consultation has not started yet."), field="status")
    booking.status = status
    booking.outcome_note = (outcome_note or "").strip()
    booking.save(update_fields=["status", "outcome_note"])
    audit(actor=actor, action="consultations.booking_mark", target=booking, booking=booking.pk, status=status)
    return booking


@retry_deadlock
@transaction.atomic
def booking_rate(*, booking_id: Any, teacher: User, score: int, comment: str = "") -> Rating:
    """The teacher rates their own held consultation, 1 to 5; rating again changes it."""
    booking = _get_booking(booking_id)
    if booking.teacher_id != teacher.pk:
        raise NotFoundError(_("This booking does not exist."), field="booking")
    if booking.status != Booking.Status.HELD:
        raise ConflictError(_("Only a held consultation can be rated."), field="booking")
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise TutornetError(_("Rate from 1 to 5."), field="score")
    rating, _created = Rating.objects.update_or_create(
        booking=booking, defaults={"score": value, "comment": (comment or "").strip()}
    )
    audit(actor=teacher, action="consultations.booking_rate", target=booking, booking=booking.pk, score=value)
    return rating
