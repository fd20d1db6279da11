"""Registration, ratings, and the tracks' places (first come, or moved by the organiser).

Invariants: an event never has more registered participants than its places --
registering locks the event's row (``select_for_update``) before counting, so
concurrent requests are serialised and the database's check constraint
``event_registered_within_capacity`` is the last guard.  A participant has at
most one track per block (unique constraint); a track never holds more than its
places: every change of a track's participants locks the tracks concerned, in
primary-key order (no deadlock between two moves in opposite directions).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from tutornet.errors import NotFoundError, TutornetError

from ..errors import EventFullError, TrackFullError, WindowClosedError
from ..models import MAX_RATING, Assignment, Block, Event, Participant, Rating, Track
from ._common import acting, audit, managed_event, own_participant, visible_event


@transaction.atomic
def participant_register(*, actor: User, membership: Membership | None, event_id: int) -> Participant:
    """Register the actor; registering again is harmless (returns the registration)."""
    acting(actor, membership)
    assert membership is not None
    event = visible_event(event_id, membership, lock=True)
    if event.status != Event.Status.PUBLISHED:
        raise TutornetError(_("Registration is not open for this event."), field="event")
    participant = Participant.objects.filter(event=event, user=actor).first()
    if participant is not None and participant.status == Participant.Status.REGISTERED:
        return participant
    if event.capacity is not None and event.registered >= event.capacity:
        raise EventFullError()
    if participant is None:
        participant = Participant.objects.create(
            event=event, user=actor, organisation_id=membership.organisation_id
        )
    else:
        participant.status = Participant.Status.REGISTERED
        participant.organisation_id = membership.organisation_id
        participant.save(update_fields=["status", "organisation_id"])
    event.registered += 1
    event.save(update_fields=["registered"])
    audit(actor=actor, action="event.register", target=event, event_id=event.pk)
    return participant


def _lock_tracks(track_ids: set[int]) -> dict[int, Track]:
    return {t.pk: t for t in Track.objects.select_for_update().filter(pk__in=track_ids).order_by("pk")}


@transaction.atomic
def participant_cancel(*, actor: User, membership: Membership | None, event_id: int) -> None:
    """Leave the event: the places in the event and in its tracks are freed."""
    acting(actor, membership)
    event = visible_event(event_id, membership, lock=True)
    participant = own_participant(event, actor)
    assignments = list(participant.assignments.all())
    tracks = _lock_tracks({a.track_id for a in assignments})
    for assignment in assignments:
        track = tracks[assignment.track_id]
        track.assigned -= 1
        track.save(update_fields=["assigned"])
    participant.assignments.all().delete()
    participant.status = Participant.Status.CANCELLED
    participant.save(update_fields=["status"])
    event.registered -= 1
    event.save(update_fields=["registered"])
    audit(actor=actor, action="event.cancel_registration", target=event, event_id=event.pk)


def rating_window_open(event: Event, at: object = None) -> bool:
    now = at or timezone.now()
    return (
        event.fill_mode == Event.FillMode.PREFERENCES
        and event.rating_opens_at is not None
        and event.rating_closes_at is not None
        and event.rating_opens_at <= now < event.rating_closes_at  # type: ignore[operator]
    )


@transaction.atomic
def ratings_save(
    *, actor: User, membership: Membership | None, event_id: int, values: Mapping[int, int]
) -> int:
    """Save the actor's ratings of the event's tracks (0 = cannot attend .. MAX_RATING).

    Every track of a tracks block must be rated at once: the form has no pre-chosen
    value, so a missing rating is an error, never a silent 0.  Returns how many were saved.
    """
    acting(actor, membership)
    event = visible_event(event_id, membership)
    participant = own_participant(event, actor)
    if not rating_window_open(event):
        raise WindowClosedError(_("Tracks can be rated only while the rating window is open."))
    tracks = set(
        Track.objects.filter(block__day__event=event, block__kind=Block.Kind.TRACKS).values_list(
            "pk", flat=True
        )
    )
    unknown = set(values) - tracks
    if unknown:
        raise TutornetError(_("There is no such track in this event."), field="ratings")
    if set(values) != tracks:
        raise TutornetError(_("Rate every track (0 means you cannot attend)."), field="ratings")
    for value in values.values():
        if not isinstance(value, int) or not 0 <= value <= MAX_RATING:
            raise TutornetError(
                _("A rating is a whole number from 0 to %(max)d.") % {"max": MAX_RATING}, field="ratings"
            )
    Rating.objects.filter(participant=participant).delete()
    Rating.objects.bulk_create(
        Rating(participant=participant, track_id=track_id, value=value) for track_id, value in values.items()
    )
    audit(actor=actor, action="event.rate", target=event, event_id=event.pk)
    return len(values)


def _move(participant: Participant, block: Block, track: Track | None, how: str) -> Assignment | None:
    """Put the participant in ``track`` (or none) for the block; tracks are locked here."""
    current = Assignment.objects.filter(participant=participant, block=block).first()
    ids = {t for t in (current.track_id if current else None, track.pk if track else None) if t}
    locked = _lock_tracks(ids)
    if current is not None and track is not None and current.track_id == track.pk:
        return current
    if track is not None:
        target = locked[track.pk]
        if target.assigned >= target.places:
            raise TrackFullError()
        target.assigned += 1
        target.save(update_fields=["assigned"])
    if current is not None:
        previous = locked[current.track_id]
        previous.assigned -= 1
        previous.save(update_fields=["assigned"])
        current.delete()
    if track is None:
        return None
    return Assignment.objects.create(participant=participant, block=block, track=track, how=how)


def _track(track_id: int) -> Track:
    try:
        return Track.objects.select_related("block__day").get(pk=track_id)
    except Track.DoesNotExist:
        raise NotFoundError(_("There is no such track.")) from None


@transaction.atomic
def track_take(*, actor: User, membership: Membership | None, track_id: int) -> Assignment:
    """First come, first served: the participant takes a place in a track (leaving the
    block's other track if they had one)."""
    acting(actor, membership)
    track = _track(track_id)
    event = visible_event(track.block.day.event_id, membership)
    participant = own_participant(event, actor)
    if event.fill_mode != Event.FillMode.FIRST_COME:
        raise TutornetError(_("Tracks of this event are allocated by preferences."), field="track")
    if track.block.kind != Block.Kind.TRACKS:
        raise TutornetError(_("This block has no tracks to choose."), field="track")
    if track.block.starts_at <= timezone.now():
        raise TutornetError(_("This block has already started."), field="track")
    assignment = _move(participant, track.block, track, Assignment.How.FIRST_COME)
    assert assignment is not None
    audit(actor=actor, action="event.track_take", target=track, event_id=event.pk)
    return assignment


@transaction.atomic
def assignment_move(
    *,
    actor: User,
    membership: Membership | None,
    participant_id: int,
    block_id: int,
    track_id: int | None,
) -> Assignment | None:
    """The organiser moves a participant to another track of the block (or out of it);
    the new track's places still hold."""
    acting(actor, membership)
    try:
        block = Block.objects.select_related("day").get(pk=block_id)
    except Block.DoesNotExist:
        raise NotFoundError(_("There is no such block.")) from None
    event = managed_event(block.day.event_id, membership)
    participant = Participant.objects.filter(
        pk=participant_id, event=event, status=Participant.Status.REGISTERED
    ).first()
    if participant is None:
        raise NotFoundError(_("There is no such participant."))
    track = None
    if track_id is not None:
        track = _track(track_id)
        if track.block_id != block.pk:
            raise TutornetError(_("This track is not in that block."), field="track")
    assignment = _move(participant, block, track, Assignment.How.MANUAL)
    audit(
        actor=actor,
        action="event.move",
        target=event,
        participant_id=participant.pk,
        block_id=block.pk,
        track_id=track_id,
    )
    return assignment
