"""Registration, the waiting list, the organiser's approval and the reminders.

Invariant: ``Tutorial.places_taken`` (confirmed + awaiting approval + offered
from the waiting list) never exceeds the capacity.  Every change of it happens
under a row lock on the tutorial (``SELECT ... FOR UPDATE``), as the
consultations lock their slot, and a check constraint refuses anything else.

Waiting list: when a place frees up, the first teacher in line (by the time
they joined) is offered it until ``OFFER_TTL`` has passed (never beyond the
start); the offer holds the place.  A teacher accepts it or declines; a beat
job passes expired offers on to the next in line.

Reminders 24 h and 1 h before every session of a series follow the
consultations' rules (``consultations.services.reminders``: the same lead
times, fresh registrations skipped, one reminder after an outage); each
(registration, session, lead time) is claimed by inserting its
``SessionReminder`` row, so parallel or repeated sweeps never send twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from consultations.errors import DeadlinePassedError
from consultations.services._common import audit, require
from consultations.services.reminders import FRESH_BOOKING, REMINDERS
from notifications.services import notifications_create

from .. import notify, permissions
from ..errors import ConflictError, NotFoundError, RegistrationClosedError, TutorialFullError
from ..models import Registration, Session, SessionReminder, Tutorial
from ..selectors import in_audience
from .tutorials import can_manage

# How long a teacher has to take a place offered from the waiting list.
OFFER_TTL = timedelta(hours=12)
BATCH = 200


def _lock(tutorial_id: int) -> Tutorial:
    # FOR NO KEY UPDATE: excludes every other change of the counters, but not the
    # foreign-key checks of registrations being inserted meanwhile (KEY SHARE).
    try:
        return Tutorial.objects.select_for_update(no_key=True).get(pk=tutorial_id)
    except Tutorial.DoesNotExist:
        raise NotFoundError(_("This tutorial does not exist.")) from None


class _Full(Exception):
    """The conditional UPDATE found no place: the savepoint of the attempt is rolled back."""


def _check_open(tutorial: Tutorial, now: datetime) -> None:
    if tutorial.status != Tutorial.Status.PUBLISHED:
        raise RegistrationClosedError(_("Registration for this tutorial is not open."))
    if tutorial.registration_opens_at and now < tutorial.registration_opens_at:
        raise RegistrationClosedError(
            _("Registration opens at %(time)s.") % {"time": notify.local(tutorial.registration_opens_at)}
        )
    if now >= tutorial.registration_closes_at:
        raise RegistrationClosedError(
            _("Registration closed at %(time)s.") % {"time": notify.local(tutorial.registration_closes_at)}
        )


def _insert(
    tutorial: Tutorial, user: User, school_id: int | None, status: str, now: datetime
) -> Registration:
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                tutorial=tutorial, user=user, school_id=school_id, status=status, created_at=now
            )
    except IntegrityError:
        raise ConflictError(_("You are already registered for this tutorial.")) from None
    registration.tutorial = tutorial
    notifications_create(notify.registration_message(tutorial, user, status))
    audit(actor=user, action=f"tutorial.register.{status}", target=tutorial.pk)
    return registration


@transaction.atomic
def registration_create(
    *, tutorial: Tutorial, user: User, membership: Membership | None, waitlist: bool = True
) -> Registration:
    """Take a place (or ask for one, if the organiser approves), or join the waiting list when full.

    A rush on one tutorial meets at its row.  So that the row is held only for
    a commit (bench/tutorial_rush.py), the attempt to take a place writes the
    registration, its message and the audit entry first and counts the place
    last, with one conditional UPDATE (``places_taken < capacity``); when it
    finds no place, the attempt's savepoint is rolled back.  A tutorial already
    seen full skips the attempt: a refusal takes no lock at all, and joining
    the waiting list takes the row lock (so that a place freed meanwhile is
    taken, never left free with people waiting).
    """
    require(permissions.can_take_part(membership))
    now = timezone.now()
    fresh = Tutorial.objects.filter(pk=tutorial.pk).first()
    if fresh is None:
        raise NotFoundError(_("This tutorial does not exist."))
    tutorial = fresh
    _check_open(tutorial, now)
    if not in_audience(tutorial, membership):
        raise RegistrationClosedError(_("This tutorial is for another audience."))
    if tutorial.registrations.filter(user=user, status__in=Registration.ACTIVE).exists():
        raise ConflictError(_("You are already registered for this tutorial."))
    school_id = membership.organisation_id if membership is not None else None
    holding = Registration.Status.PENDING if tutorial.requires_approval else Registration.Status.CONFIRMED
    if tutorial.places_taken < tutorial.capacity:
        try:
            with transaction.atomic():
                registration = _insert(tutorial, user, school_id, holding, now)
                took = Tutorial.objects.filter(
                    pk=tutorial.pk,
                    status=Tutorial.Status.PUBLISHED,
                    places_taken__lt=F("capacity"),
                    registration_closes_at__gt=now,
                ).update(places_taken=F("places_taken") + 1)
                if not took:
                    raise _Full
            return registration
        except _Full:
            pass
    if not waitlist:
        raise TutorialFullError(_("No places are left."))
    tutorial = _lock(tutorial.pk)
    _check_open(tutorial, now)
    if tutorial.places_taken < tutorial.capacity:  # freed since: take it, under the lock
        tutorial.places_taken += 1
        tutorial.save(update_fields=["places_taken"])
        return _insert(tutorial, user, school_id, holding, now)
    return _insert(tutorial, user, school_id, Registration.Status.WAITLISTED, now)


def _free_place(tutorial: Tutorial, now: datetime) -> None:
    """One place is free (the tutorial is locked): offer it to the next in line, if there is time."""
    tutorial.places_taken -= 1
    _offer_next(tutorial, now)
    tutorial.save(update_fields=["places_taken"])


def _offer_next(tutorial: Tutorial, now: datetime) -> None:
    expires = min(now + OFFER_TTL, tutorial.registration_closes_at)
    if tutorial.status != Tutorial.Status.PUBLISHED or expires <= now:
        return
    while tutorial.places_taken < tutorial.capacity:
        entry = (
            tutorial.registrations.filter(status=Registration.Status.WAITLISTED)
            .select_related("user")
            .order_by("created_at", "pk")
            .first()
        )
        if entry is None:
            return
        entry.status = Registration.Status.OFFERED
        entry.offer_expires_at = expires
        entry.save(update_fields=["status", "offer_expires_at"])
        entry.tutorial = tutorial
        tutorial.places_taken += 1
        notify.waitlist_offered(entry)


def _registration(registration_id: int) -> Registration:
    try:
        return Registration.objects.select_related("user").get(pk=registration_id)
    except Registration.DoesNotExist:
        raise NotFoundError(_("This registration does not exist.")) from None


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: User) -> Registration:
    """The teacher cancels (until the deadline) or leaves the waiting list (any time); a freed place
    goes to the next in line."""
    now = timezone.now()
    tutorial = _lock(registration.tutorial_id)
    registration = _registration(registration.pk)
    if registration.user_id != actor.pk:
        require(False)
    if registration.status not in Registration.ACTIVE:
        raise ConflictError(_("This registration is already cancelled."))
    held = registration.status in Registration.HOLDING
    if registration.status == Registration.Status.CONFIRMED and now >= tutorial.registration_closes_at:
        raise DeadlinePassedError(deadline=tutorial.registration_closes_at, zone=notify.zone())
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = now
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "cancelled_at", "offer_expires_at"])
    registration.tutorial = tutorial
    if held:
        _free_place(tutorial, now)
    notify.registration_changed(registration)
    audit(actor=actor, action="tutorial.registration.cancel", target=tutorial.pk)
    return registration


@transaction.atomic
def waitlist_accept(*, registration: Registration, actor: User) -> Registration:
    """Take the place offered from the waiting list, before the offer expires."""
    now = timezone.now()
    tutorial = _lock(registration.tutorial_id)
    registration = _registration(registration.pk)
    if registration.user_id != actor.pk:
        require(False)
    if registration.status != Registration.Status.OFFERED or (
        registration.offer_expires_at is not None and registration.offer_expires_at <= now
    ):
        raise ConflictError(_("This offer has expired: the place went to the next in line."))
    registration.status = (
        Registration.Status.PENDING if tutorial.requires_approval else Registration.Status.CONFIRMED
    )
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "offer_expires_at"])
    registration.tutorial = tutorial
    notify.registration_changed(registration)
    audit(actor=actor, action="tutorial.waitlist.accept", target=tutorial.pk)
    return registration


@transaction.atomic
def registration_decide(
    *, registration: Registration, approve: bool, actor: User, membership: Membership | None
) -> Registration:
    """The organiser approves a registration awaiting approval, or declines it (the place is freed)."""
    now = timezone.now()
    tutorial = _lock(registration.tutorial_id)
    require(can_manage(tutorial, user=actor, membership=membership))
    registration = _registration(registration.pk)
    if registration.status != Registration.Status.PENDING:
        raise ConflictError(_("This registration is not awaiting approval."))
    registration.status = Registration.Status.CONFIRMED if approve else Registration.Status.REJECTED
    registration.save(update_fields=["status"])
    registration.tutorial = tutorial
    if not approve:
        _free_place(tutorial, now)
    notify.registration_changed(registration)
    audit(actor=actor, action="tutorial.registration.decide", target=registration.pk, approve=approve)
    return registration


def waitlist_expire_offers(now: datetime | None = None) -> int:
    """Expired offers lapse and their places go to the next in line (the beat job, every minute)."""
    now = now or timezone.now()
    done = 0
    expired = (
        Registration.objects.filter(status=Registration.Status.OFFERED, offer_expires_at__lte=now)
        .values_list("tutorial_id", flat=True)
        .distinct()
    )
    for tutorial_id in list(expired):
        with transaction.atomic():
            tutorial = _lock(tutorial_id)
            lapsed = list(
                tutorial.registrations.select_for_update()
                .filter(status=Registration.Status.OFFERED, offer_expires_at__lte=now)
                .select_related("user")
            )
            for entry in lapsed:
                entry.status = Registration.Status.CANCELLED
                entry.cancelled_at = now
                entry.offer_expires_at = None
                entry.save(update_fields=["status", "cancelled_at", "offer_expires_at"])
                tutorial.places_taken -= 1
                done += 1
            _offer_next(tutorial, now)
            tutorial.save(update_fields=["places_taken"])
    return done


def reminders_send(now: datetime | None = None) -> int:
    """Send the due reminders before every session of a series; each at most once.

    For each lead time one statement claims the due (registration, session)
    pairs -- ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`` into
    ``SessionReminder`` -- and the messages are written in the same
    transaction: a sweep running in parallel, or again, claims nothing twice,
    and a failed sweep leaves nothing claimed.  The consultations' rules hold
    per session: the 24-hour reminder is not sent once the 1-hour one is due,
    nor to someone who registered less than ``FRESH_BOOKING`` before it.
    """
    now = now or timezone.now()
    sent = 0
    for lead, _column in REMINDERS:
        not_within = timedelta(hours=1) if lead > timedelta(hours=1) else timedelta(0)
        hours = int(lead.total_seconds() // 3600)
        while True:
            with transaction.atomic():
                claimed = _claim_reminders(now, lead, not_within, hours)
                if claimed:
                    _send_reminders(claimed, hours)
            sent += len(claimed)
            if len(claimed) < BATCH:
                break
    return sent


def _claim_reminders(
    now: datetime, lead: timedelta, not_within: timedelta, hours: int
) -> list[tuple[int, int]]:
    reminder, registration = SessionReminder._meta.db_table, Registration._meta.db_table
    session, tutorial = Session._meta.db_table, Tutorial._meta.db_table
    sql = f"""
        INSERT INTO {reminder} (registration_id, session_id, lead_hours, sent_at)
        SELECT r.id, s.id, %(hours)s, %(now)s
          FROM {registration} r
          JOIN {tutorial} t ON t.id = r.tutorial_id
          JOIN {session} s ON s.tutorial_id = t.id
         WHERE r.status = %(confirmed)s AND t.status = %(published)s
           AND s.starts_at > %(after)s AND s.starts_at <= %(until)s
           AND r.created_at <= s.starts_at - make_interval(secs => %(ahead)s)
           AND NOT EXISTS (
               SELECT 1 FROM {reminder} x
                WHERE x.registration_id = r.id AND x.session_id = s.id AND x.lead_hours = %(hours)s
           )
         ORDER BY s.starts_at, r.id
         LIMIT %(batch)s
        ON CONFLICT DO NOTHING
        RETURNING registration_id, session_id
    """  # noqa: S608 (the table names come from the models)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "hours": hours,
                "now": now,
                "confirmed": Registration.Status.CONFIRMED,
                "published": Tutorial.Status.PUBLISHED,
                "after": now + not_within,
                "until": now + lead,
                "ahead": (lead + FRESH_BOOKING).total_seconds(),
                "batch": BATCH,
            },
        )
        return [(row[0], row[1]) for row in cursor.fetchall()]


def _send_reminders(claimed: list[tuple[int, int]], hours: int) -> None:
    registrations = Registration.objects.select_related("user", "tutorial").in_bulk(
        [registration_id for registration_id, _session_id in claimed]
    )
    sessions = Session.objects.in_bulk([session_id for _registration_id, session_id in claimed])
    for registration_id, session_id in claimed:
        notify.reminder(registrations[registration_id], hours=hours, session=sessions[session_id])
