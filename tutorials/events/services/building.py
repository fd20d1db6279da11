"""Building an event: the event itself, its days, blocks, tracks, reflection questions, tasks.

Times are given as wall-clock times of a day in the organisation's zone and stored
in UTC (ARCHITECTURE 8).  Only the event's organisers and the organisation's staff
build it (``permissions.can_manage``); a new event's creator is its first organiser.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from tutornet.errors import NotFoundError, TutornetError

from .. import permissions
from ..models import Block, Day, Event, ReflectionQuestion, Task, Track
from ._common import acting, audit, local_datetime, managed_event, require


def _clean_title(title: str, field: str = "title") -> str:
    title = (title or "").strip()
    if not title:
        raise TutornetError(_("Give it a title."), field=field)
    return title


@transaction.atomic
def event_create(
    *,
    actor: User,
    membership: Membership | None,
    title: str,
    starts_on: date,
    ends_on: date,
    description: str = "",
    fill_mode: str = Event.FillMode.PREFERENCES,
    audience: str = Event.Audience.ALL,
    audience_school_ids: Iterable[int] = (),
    capacity: int | None = None,
    rating_opens_at: datetime | None = None,
    rating_closes_at: datetime | None = None,
    points_attendance: int = 10,
    points_reflection: int = 5,
    board_visibility: str = Event.BoardVisibility.ORGANISERS,
    hours: int = 0,
    organisers: Iterable[User] = (),
) -> Event:
    """Create an event (a draft); its days are made for every date from first to last."""
    acting(actor, membership)
    require(permissions.can_create(membership))
    title = _clean_title(title)
    if ends_on < starts_on:
        raise TutornetError(_("The last day cannot be before the first."), field="ends_on")
    if (ends_on - starts_on).days > 30:
        raise TutornetError(_("An event lasts at most a month."), field="ends_on")
    if fill_mode not in Event.FillMode.values:
        raise TutornetError(_("Choose how the tracks are filled."), field="fill_mode")
    if audience not in Event.Audience.values:
        raise TutornetError(_("Choose the audience."), field="audience")
    if board_visibility not in Event.BoardVisibility.values:
        raise TutornetError(_("Choose who sees the points board."), field="board_visibility")
    if capacity is not None and capacity < 1:
        raise TutornetError(_("An event needs at least one place."), field="capacity")
    if rating_opens_at and rating_closes_at and rating_closes_at <= rating_opens_at:
        raise TutornetError(_("The rating window must close after it opens."), field="rating_closes_at")
    event = Event.objects.create(
        title=title,
        description=description.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        fill_mode=fill_mode,
        audience=audience,
        audience_school_ids=sorted(set(audience_school_ids)),
        capacity=capacity,
        rating_opens_at=rating_opens_at,
        rating_closes_at=rating_closes_at,
        points_attendance=points_attendance,
        points_reflection=points_reflection,
        board_visibility=board_visibility,
        hours=hours,
        created_by=actor,
    )
    event.organisers.set({actor, *organisers})
    day = starts_on
    while day <= ends_on:
        Day.objects.create(event=event, date=day)
        day = date.fromordinal(day.toordinal() + 1)
    audit(actor=actor, action="event.create", target=event, event_id=event.pk)
    return event


@transaction.atomic
def event_settings_update(
    *, actor: User, membership: Membership | None, event_id: int, **changes: object
) -> Event:
    """Change the rules that are plain settings: points, board visibility, window, hours, fill mode."""
    acting(actor, membership)
    event = managed_event(event_id, membership, lock=True)
    allowed = {
        "points_attendance",
        "points_reflection",
        "board_visibility",
        "rating_opens_at",
        "rating_closes_at",
        "hours",
        "fill_mode",
        "description",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise TutornetError(_("These settings cannot be changed here."), field=sorted(unknown)[0])
    if "board_visibility" in changes and changes["board_visibility"] not in Event.BoardVisibility.values:
        raise TutornetError(_("Choose who sees the points board."), field="board_visibility")
    if "fill_mode" in changes and changes["fill_mode"] not in Event.FillMode.values:
        raise TutornetError(_("Choose how the tracks are filled."), field="fill_mode")
    for name, value in changes.items():
        setattr(event, name, value)
    opens, closes = event.rating_opens_at, event.rating_closes_at
    if opens and closes and closes <= opens:
        raise TutornetError(_("The rating window must close after it opens."), field="rating_closes_at")
    event.save()
    audit(actor=actor, action="event.settings", target=event, changed=sorted(changes))
    return event


@transaction.atomic
def event_publish(*, actor: User, membership: Membership | None, event_id: int) -> Event:
    acting(actor, membership)
    event = managed_event(event_id, membership, lock=True)
    if event.status == Event.Status.CANCELLED:
        raise TutornetError(_("A cancelled event cannot be published."))
    if not Track.objects.filter(block__day__event=event).exists():
        raise TutornetError(_("Add at least one block with a track before publishing."))
    if event.status == Event.Status.PUBLISHED:
        return event  # published already: its audience was told then, not again
    event.status = Event.Status.PUBLISHED
    event.save(update_fields=["status"])
    from ..notify import event_published

    told = event_published(event)
    audit(actor=actor, action="event.publish", target=event, told=told)
    return event


def _day(day_id: int, membership: Membership | None) -> Day:
    try:
        day = Day.objects.select_related("event").get(pk=day_id)
    except Day.DoesNotExist:
        raise NotFoundError(_("There is no such day.")) from None
    managed_event(day.event_id, membership)
    return day


@transaction.atomic
def block_add(
    *,
    actor: User,
    membership: Membership | None,
    day_id: int,
    title: str,
    starts: time,
    ends: time,
    kind: str = Block.Kind.TRACKS,
) -> Block:
    """A time block of the day, from ``starts`` to ``ends`` local time."""
    acting(actor, membership)
    day = _day(day_id, membership)
    if ends <= starts:
        raise TutornetError(_("A block must end after it starts."), field="ends")
    if kind not in Block.Kind.values:
        raise TutornetError(_("Choose the kind of block."), field="kind")
    block = Block.objects.create(
        day=day,
        title=_clean_title(title),
        kind=kind,
        starts_at=local_datetime(day.date, starts),
        ends_at=local_datetime(day.date, ends),
    )
    audit(actor=actor, action="event.block_add", target=block, event_id=day.event_id)
    return block


@transaction.atomic
def track_add(
    *,
    actor: User,
    membership: Membership | None,
    block_id: int,
    title: str,
    places: int,
    min_size: int = 0,
    description: str = "",
    place: str = "",
    leader: User | None = None,
) -> Track:
    acting(actor, membership)
    try:
        block = Block.objects.select_related("day").get(pk=block_id)
    except Block.DoesNotExist:
        raise NotFoundError(_("There is no such block.")) from None
    managed_event(block.day.event_id, membership)
    if places < 1:
        raise TutornetError(_("A track needs at least one place."), field="places")
    if min_size > places:
        raise TutornetError(_("The minimum size cannot exceed the places."), field="min_size")
    position = block.tracks.count()
    track = Track.objects.create(
        block=block,
        title=_clean_title(title),
        places=places,
        min_size=min_size,
        description=description.strip(),
        place=place.strip(),
        leader=leader,
        position=position,
    )
    audit(actor=actor, action="event.track_add", target=track, event_id=block.day.event_id)
    return track


@transaction.atomic
def question_add(*, actor: User, membership: Membership | None, day_id: int, text: str) -> ReflectionQuestion:
    acting(actor, membership)
    day = _day(day_id, membership)
    text = (text or "").strip()
    if not text:
        raise TutornetError(_("Write the question."), field="text")
    return ReflectionQuestion.objects.create(day=day, text=text, position=day.questions.count())


@transaction.atomic
def task_add(
    *, actor: User, membership: Membership | None, event_id: int, title: str, max_points: int
) -> Task:
    acting(actor, membership)
    event = managed_event(event_id, membership)
    if max_points < 1:
        raise TutornetError(_("A task is worth at least one point."), field="max_points")
    return Task.objects.create(event=event, title=_clean_title(title), max_points=max_points)
