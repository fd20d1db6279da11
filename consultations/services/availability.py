"""Offerings, weekly availability, one-off exceptions, and the slots made from them.

Times a tutor enters are wall-clock times in the organisation's time zone; slots
are stored in UTC and built from tz-aware datetimes, so a Monday 10:00 window
gives 10:00 local on both sides of a daylight-saving change (ARCHITECTURE 8).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from accounts.selectors import membership_for
from tenants.models import Organisation, Subject
from tutornet.errors import NotFoundError, TutornetError

from .. import permissions
from ..models import AvailabilityException, Offering, Slot, WeeklyAvailability
from ._common import audit, current_organisation, live, require


def _positive(value: object, field: str, minimum: int, maximum: int) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = minimum - 1
    if not minimum <= number <= maximum:
        raise TutornetError(
            _("Enter a whole number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum}, field=field
        )
    return number


def _tutor_membership(tutor: User) -> Membership | None:
    organisation = current_organisation()
    if organisation is None:
        return None
    membership = membership_for(tutor, organisation)
    return membership if membership is not None and membership.role == Role.TUTOR else None


def _actor_membership(actor: User) -> Membership | None:
    organisation = current_organisation()
    return membership_for(actor, organisation) if organisation is not None else None


def _may_manage(actor: User, offering: Offering | None) -> bool:
    return permissions.can_manage_offering(_actor_membership(actor), offering)


def _may_manage_exceptions(actor: User, *, tutor_id: int, offering: Offering | None) -> bool:
    return permissions.can_manage_exceptions(_actor_membership(actor), tutor_id=tutor_id, offering=offering)


@transaction.atomic
def offering_save(
    *,
    actor: User,
    actor_membership: Membership | None,
    tutor: User,
    subject: Subject,
    format: str,
    capacity: int,
    mode: str,
    place: str = "",
    topic: str = "",
    slot_minutes: int = 45,
    buffer_minutes: int = 15,
    min_notice_hours: int = 12,
    horizon_days: int = 28,
    cancel_deadline_hours: int = 12,
    offering: Offering | None = None,
    now: datetime | None = None,
) -> Offering:
    """Create (``offering`` None) or change an offering of ``tutor`` in the current organisation.

    The tutor must hold an active tutor membership here; the actor is that tutor or
    the organisation's administrator.  An individual offering always has one place.
    Its slots are generated again in the same transaction, so no booking sees the old ones.
    """
    require(permissions.can_manage_offering(actor_membership, offering))
    if actor_membership is not None and not permissions.is_admin(actor_membership) and tutor.pk != actor.pk:
        require(False)
    if offering is not None and offering.tutor_id != tutor.pk:
        raise TutornetError(_("An offering cannot be passed to another tutor."), field="tutor")
    if _tutor_membership(tutor) is None:
        raise TutornetError(_("This person is not a tutor of this organisation."), field="tutor")
    if subject is None or not subject.is_active:
        raise TutornetError(_("Choose a subject."), field="subject")
    if format not in Offering.Format.values:
        raise TutornetError(_("Choose individual or group."), field="format")
    if mode not in Offering.Mode.values:
        raise TutornetError(_("Choose in person or video-conference."), field="mode")
    capacity = 1 if format == Offering.Format.INDIVIDUAL else _positive(capacity, "capacity", 2, 500)
    place = (place or "").strip()
    if mode == Offering.Mode.IN_PERSON and not place:
        raise TutornetError(_("Give the consultation point's address and room."), field="place")
    values = {
        "tutor": tutor,
        "subject": subject,
        "format": format,
        "capacity": capacity,
        "mode": mode,
        "place": place,
        "topic": (topic or "").strip()[:200],
        "slot_minutes": _positive(slot_minutes, "slot_minutes", 10, 480),
        "buffer_minutes": _positive(buffer_minutes, "buffer_minutes", 0, 240),
        "min_notice_hours": _positive(min_notice_hours, "min_notice_hours", 0, 24 * 30),
        "horizon_days": _positive(horizon_days, "horizon_days", 1, 366),
        "cancel_deadline_hours": _positive(cancel_deadline_hours, "cancel_deadline_hours", 0, 24 * 30),
    }
    if offering is None:
        offering = Offering.objects.create(**values)
        audit(actor=actor, action="consultations.offering_create", target=offering, offering=offering.pk)
    else:
        for name, value in values.items():
            setattr(offering, name, value)
        offering.save()
        audit(actor=actor, action="consultations.offering_update", target=offering, offering=offering.pk)
    _regenerate([offering], now)
    return offering


def _regenerate(offerings: Iterable[Offering], now: datetime | None) -> int:
    """Generate the offerings' slots again, in the caller's transaction (offerings in pk order)."""
    organisation = current_organisation()
    assert organisation is not None, "offerings live in an organisation's schema"
    return sum(
        slots_generate(offering=offering, organisation=organisation, now=now)
        for offering in sorted(offerings, key=lambda o: o.pk)
    )


@transaction.atomic
def weekly_set(
    *,
    offering: Offering,
    windows: Sequence[tuple[int, time, time]],
    actor: User,
    now: datetime | None = None,
) -> list[WeeklyAvailability]:
    """Replace the offering's weekly windows: (weekday 0=Monday, from, to) in local time.

    The slots are generated again in the same transaction.
    """
    require(_may_manage(actor, offering))
    cleaned: list[tuple[int, time, time]] = []
    for weekday, starts, ends in windows:
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise TutornetError(_("The weekday must be Monday to Sunday."), field="windows")
        if not isinstance(starts, time) or not isinstance(ends, time) or ends <= starts:
            raise TutornetError(_("Each window must end after it starts."), field="windows")
        cleaned.append((weekday, starts, ends))
    cleaned.sort()
    for (day_a, _start_a, end_a), (day_b, start_b, _end_b) in zip(cleaned, cleaned[1:], strict=False):
        if day_a == day_b and start_b < end_a:
            raise TutornetError(_("Windows of one day must not overlap."), field="windows")
    offering.weekly.all().delete()
    rows = WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(offering=offering, weekday=day, starts=starts, ends=ends)
        for day, starts, ends in cleaned
    )
    audit(
        actor=actor,
        action="consultations.weekly_set",
        target=offering,
        windows=[f"{d} {s:%H:%M}-{e:%H:%M}" for d, s, e in cleaned],
    )
    _regenerate([offering], now)
    return rows


@transaction.atomic
def exception_add(
    *,
    tutor: User,
    kind: str,
    date: date,
    starts: time | None = None,
    ends: time | None = None,
    offering: Offering | None = None,
    reason: str = "",
    actor: User,
    now: datetime | None = None,
) -> AvailabilityException:
    """A one-off change for one day: unavailable (whole day, or some hours; for all of the
    tutor's offerings, or one), or extra hours for one offering.

    The slots of the offerings it touches are generated again in the same transaction:
    the free slots a day off removes are cancelled before anyone else can book them.
    """
    if offering is not None and offering.tutor_id != tutor.pk:
        raise TutornetError(_("This offering is not the tutor's."), field="offering")
    require(_may_manage_exceptions(actor, tutor_id=tutor.pk, offering=offering))
    if offering is None:
        require(_tutor_membership(tutor) is not None)
    if kind not in AvailabilityException.Kind.values:
        raise TutornetError(_("Choose not available or extra hours."), field="kind")
    if (starts is None) != (ends is None):
        raise TutornetError(_("Give both times, or none for the whole day."), field="ends")
    if starts is not None and ends is not None and ends <= starts:
        raise TutornetError(_("The end must be after the start."), field="ends")
    if kind == AvailabilityException.Kind.EXTRA:
        if offering is None:
            raise TutornetError(_("Extra hours belong to an offering."), field="offering")
        if starts is None:
            raise TutornetError(_("Give the extra hours."), field="starts")
    exception = AvailabilityException.objects.create(
        tutor=tutor,
        offering=offering,
        kind=kind,
        date=date,
        starts=starts,
        ends=ends,
        reason=(reason or "").strip()[:200],
    )
    audit(actor=actor, action="consultations.exception_add", target=exception, kind=kind, date=str(date))
    if offering is not None:
        _regenerate([offering], now)
    else:
        _regenerate(Offering.objects.filter(tutor=tutor, is_active=True), now)
    return exception


@dataclass(frozen=True)
class ExceptionRemoved:
    """What removing an exception did to the slots."""

    added: int  # slots that came back or were made
    kept: int  # booked slots of the removed extra hours: they stay until the tutor cancels them


@transaction.atomic
def exception_delete(*, exception_id: Any, actor: User, now: datetime | None = None) -> ExceptionRemoved:
    """Remove a one-off exception and regenerate the slots of the offerings it changed.

    Who may: as for adding one (``permissions.can_manage_exceptions``).  The times a
    day (or hours) off took away come back where the weekly windows give them, within
    the booking horizon; the slots of removed extra hours are cancelled while nobody
    booked them or holds an offer on them.  A booked slot stays, as ``slots_generate``
    keeps every booked slot: its consultation is cancelled only explicitly, with notice
    to the teacher.  ``kept`` counts such slots, so the tutor is told about them.
    """
    try:
        exception = (
            AvailabilityException.objects.select_for_update(of=("self",))
            .select_related("offering")
            .get(pk=exception_id)
        )
    except (AvailabilityException.DoesNotExist, ValueError, TypeError):
        raise NotFoundError(_("This exception does not exist."), field="exception") from None
    require(_may_manage_exceptions(actor, tutor_id=exception.tutor_id, offering=exception.offering))
    organisation = current_organisation()
    if organisation is None:
        raise NotFoundError(_("This exception does not exist."), field="exception")
    now = now or timezone.now()
    if exception.offering is not None:
        offerings = [exception.offering]
    else:
        offerings = list(Offering.objects.filter(tutor_id=exception.tutor_id, is_active=True).order_by("pk"))
    audit(
        actor=actor,
        action="consultations.exception_delete",
        target=exception,
        kind=exception.kind,
        date=str(exception.date),
    )
    exception.delete()
    added = sum(
        slots_generate(offering=offering, organisation=organisation, now=now) for offering in offerings
    )
    kept = 0
    if exception.kind == AvailabilityException.Kind.EXTRA and exception.offering is not None:
        kept = _booked_outside_windows(exception, exception.offering, organisation.zone, now)
    return ExceptionRemoved(added=added, kept=kept)


def _booked_outside_windows(
    exception: AvailabilityException, offering: Offering, zone: ZoneInfo, now: datetime
) -> int:
    """Booked future slots within the exception's hours that no remaining window gives."""
    assert exception.starts is not None and exception.ends is not None
    day = exception.date
    wanted = {c.starts_at for c in _candidates(offering, zone, day, day)} if offering.is_active else set()
    booked = Slot.objects.filter(
        Q(booked__gt=0) | Q(offered__gt=0),
        offering=offering,
        is_cancelled=False,
        starts_at__gt=now,
        starts_at__gte=datetime.combine(day, exception.starts, tzinfo=zone),
        starts_at__lt=datetime.combine(day, exception.ends, tzinfo=zone),
    )
    return sum(1 for slot in booked if slot.starts_at not in wanted)


# --- slots -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    starts_at: datetime
    ends_at: datetime


def _aware(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The instant of a wall-clock time; None when that time does not exist (skipped by a DST change)."""
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return aware


def _windows_of(
    day: date, weekly: Iterable[WeeklyAvailability], extras: Iterable[AvailabilityException]
) -> list[tuple[time, time]]:
    windows = [
        (w.starts, w.ends)
        for w in weekly
        if w.weekday == day.weekday()
        and (w.valid_from is None or w.valid_from <= day)
        and (w.valid_until is None or day <= w.valid_until)
    ]
    windows += [(e.starts, e.ends) for e in extras if e.date == day and e.starts and e.ends]
    return sorted(windows)


def _candidates(offering: Offering, zone: ZoneInfo, first: date, last: date) -> list[_Candidate]:
    weekly = list(offering.weekly.all())
    extras = list(
        offering.exceptions.filter(kind=AvailabilityException.Kind.EXTRA, date__range=(first, last))
    )
    unavailable = list(
        AvailabilityException.objects.filter(
            Q(offering=offering) | Q(offering__isnull=True),
            tutor_id=offering.tutor_id,
            kind=AvailabilityException.Kind.UNAVAILABLE,
            date__range=(first, last),
        )
    )
    length = timedelta(minutes=offering.slot_minutes)
    step = length + timedelta(minutes=offering.buffer_minutes)
    found: dict[datetime, _Candidate] = {}
    day = first
    while day <= last:
        blocked = [u for u in unavailable if u.date == day]
        if any(u.starts is None for u in blocked):
            day += timedelta(days=1)
            continue
        blocked_ranges = [
            (_aware(day, u.starts, zone), _aware(day, u.ends, zone)) for u in blocked if u.starts and u.ends
        ]
        for window_start, window_end in _windows_of(day, weekly, extras):
            # Walk the window on the wall clock, so the grid is the same every week.
            wall = datetime.combine(day, window_start)
            wall_end = datetime.combine(day, window_end)
            while wall + length <= wall_end:
                starts_at = _aware(day, wall.time(), zone)
                if starts_at is not None and wall.date() == day:
                    ends_at = starts_at + length
                    clash = any(
                        b_start is not None and b_end is not None and starts_at < b_end and b_start < ends_at
                        for b_start, b_end in blocked_ranges
                    )
                    if not clash:
                        found.setdefault(starts_at, _Candidate(starts_at, ends_at))
                wall += step
        day += timedelta(days=1)
    return sorted(found.values(), key=lambda c: c.starts_at)


def _new_room() -> str:
    from consultations import video

    return video.new_room_name()


@transaction.atomic
def slots_generate(*, offering: Offering, organisation: Organisation, now: datetime | None = None) -> int:
    """Materialise the offering's slots from now to now + horizon; return how many were added.

    Idempotent: a slot is one per (offering, start).  Future slots that no window
    covers any more are cancelled, but only while nobody booked them or holds an
    offer on them: booked consultations are cancelled explicitly, with notice to
    the teacher.  A start that would overlap another of the tutor's slots is
    skipped (PostgreSQL refuses it anyway: ``tutor_slots_do_not_overlap``).
    """
    now = now or timezone.now()
    zone = organisation.zone
    horizon_end = now + timedelta(days=offering.horizon_days)
    wanted: dict[datetime, _Candidate] = {}
    if offering.is_active:
        first = timezone.localtime(now, zone).date()
        last = timezone.localtime(horizon_end, zone).date()
        wanted = {
            c.starts_at: c
            for c in _candidates(offering, zone, first, last)
            if now < c.starts_at and c.starts_at <= horizon_end
        }
    # Lock the offering's future slots (in primary-key order, as ``_locks`` says): a booking
    # in flight must not race a cancellation.
    existing = {
        s.starts_at: s
        for s in Slot.objects.select_for_update().filter(offering=offering, starts_at__gt=now).order_by("pk")
    }
    others = list(
        Slot.objects.filter(
            tutor_id=offering.tutor_id,
            is_cancelled=False,
            starts_at__lt=horizon_end + timedelta(days=1),
            ends_at__gt=now,
        ).exclude(offering=offering)
    )
    changed: list[Slot] = []
    new: list[Slot] = []
    added = 0
    is_video = offering.mode == Offering.Mode.VIDEO
    for starts_at, candidate in wanted.items():
        if any(o.starts_at < candidate.ends_at and candidate.starts_at < o.ends_at for o in others):
            continue
        slot = existing.get(starts_at)
        if slot is None:
            new.append(
                Slot(
                    offering=offering,
                    tutor_id=offering.tutor_id,
                    starts_at=candidate.starts_at,
                    ends_at=candidate.ends_at,
                    capacity=offering.capacity,
                    video_room=_new_room() if is_video else "",
                )
            )
            continue
        untouched = slot.booked == 0 and slot.offered == 0
        if slot.is_cancelled:
            if not untouched:
                continue
            slot.is_cancelled = False
            added += 1
        elif not untouched:
            continue  # a booked slot keeps its length and places
        elif (slot.ends_at, slot.capacity) == (candidate.ends_at, offering.capacity) and (
            bool(slot.video_room) == is_video
        ):
            continue
        slot.ends_at = candidate.ends_at
        slot.capacity = offering.capacity
        if is_video and not slot.video_room:
            slot.video_room = _new_room()
        if not is_video:
            slot.video_room = ""
        try:
            with transaction.atomic():
                slot.save(update_fields=["is_cancelled", "ends_at", "capacity", "video_room"])
        except IntegrityError:
            continue
        changed.append(slot)
    if new:
        # One INSERT ... ON CONFLICT DO NOTHING for all of them: a start another generation
        # (of this or another offering of the tutor) took meanwhile is simply skipped, as the
        # unique and exclusion constraints refuse it.
        Slot.objects.bulk_create(new, ignore_conflicts=True)
        added += Slot.objects.filter(
            offering=offering,
            starts_at__in=[slot.starts_at for slot in new],
            video_room__in=[s.video_room for s in new],
        ).count()
    for starts_at, slot in existing.items():
        if starts_at in wanted or slot.is_cancelled or slot.booked or slot.offered:
            continue
        slot.is_cancelled = True
        slot.save(update_fields=["is_cancelled"])
        changed.append(slot)
    for slot in changed:
        live().slot_changed(slot)
    return added
