"""Building events for the tests, through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Membership, Role, User
from tenants.models import Organisation
from tests.conftest import District, member
from tutorials.events import services
from tutorials.events.models import Block, Event, Track


@dataclass
class Cast:
    district: District
    organiser: Membership  # a methodologist at the centre
    teachers: list[Membership]  # teachers of school A
    other_school_teacher: Membership  # a teacher of school B


def make_cast(district: District, teachers: int = 4, organiser_role: str = Role.METHODOLOGIST) -> Cast:
    """``organiser_role``: committed tests use the centre admin, so that no extra methodologist
    stays in the centre for other apps' tests (methodologists receive the centre's notifications)."""
    return Cast(
        district=district,
        # English pages, so the tests read the msgids; the Russian ones are checked on their own.
        organiser=member(district.centre, organiser_role, language="en"),
        teachers=[member(district.school_a, language="en") for _ in range(teachers)],
        other_school_teacher=member(district.school_b, language="en"),
    )


def week(
    organiser: Membership,
    *,
    blocks: int = 1,
    places: tuple[int, ...] = (2, 2),
    min_size: int = 0,
    fill_mode: str = Event.FillMode.PREFERENCES,
    starts_on: date | None = None,
    days: int = 1,
    publish: bool = True,
    **event_fields: Any,
) -> tuple[Event, list[Block], list[list[Track]]]:
    """An event on ``days`` days; the first day gets ``blocks`` blocks of tracks with ``places``."""
    user = organiser.user
    now = timezone.now()
    starts_on = starts_on or timezone.localdate() + timedelta(days=7)
    event_fields.setdefault("rating_opens_at", now - timedelta(hours=1))
    event_fields.setdefault("rating_closes_at", now + timedelta(days=1))
    event = services.event_create(
        actor=user,
        membership=organiser,
        title="Методическая неделя",
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days - 1),
        fill_mode=fill_mode,
        **event_fields,
    )
    day = event.days.order_by("date").first()
    assert day is not None
    made_blocks, made_tracks = [], []
    for b in range(blocks):
        block = services.block_add(
            actor=user,
            membership=organiser,
            day_id=day.pk,
            title=f"Блок {b + 1}",
            starts=time(9 + 2 * b),
            ends=time(10 + 2 * b, 30),
        )
        made_blocks.append(block)
        made_tracks.append(
            [
                services.track_add(
                    actor=user,
                    membership=organiser,
                    block_id=block.pk,
                    title=f"Мастерская {b + 1}.{t + 1}",
                    places=n,
                    min_size=min_size,
                )
                for t, n in enumerate(places)
            ]
        )
    if publish:
        services.event_publish(actor=user, membership=organiser, event_id=event.pk)
        event.refresh_from_db()
    return event, made_blocks, made_tracks


def register(membership: Membership, event: Event) -> Any:
    return services.participant_register(actor=membership.user, membership=membership, event_id=event.pk)


def rate(membership: Membership, event: Event, values: dict[Track, int]) -> None:
    services.ratings_save(
        actor=membership.user,
        membership=membership,
        event_id=event.pk,
        values={track.pk: value for track, value in values.items()},
    )


def teacher_of(organisation: Organisation) -> User:
    return member(organisation).user
