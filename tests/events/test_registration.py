"""Registration, ratings, first come, first served, and the organiser's moves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tutorials.events import services
from tutorials.events.errors import EventFullError, TrackFullError, WindowClosedError
from tutorials.events.models import Assignment, Event, Participant, Rating, Track
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from .helpers import Cast, rate, register, week


def test_registering_twice_keeps_one_registration_and_one_place(cast: Cast) -> None:
    event, _, _ = week(cast.organiser, capacity=3)
    teacher = cast.teachers[0]
    first = register(teacher, event)
    again = register(teacher, event)
    assert first.pk == again.pk
    event.refresh_from_db()
    assert event.registered == 1
    assert first.organisation_id == cast.district.school_a.pk


def test_a_full_event_refuses_the_next_teacher_and_a_cancellation_frees_the_place(cast: Cast) -> None:
    event, _, _ = week(cast.organiser, capacity=2)
    register(cast.teachers[0], event)
    register(cast.teachers[1], event)
    with pytest.raises(EventFullError):
        register(cast.teachers[2], event)
    services.participant_cancel(actor=cast.teachers[0].user, membership=cast.teachers[0], event_id=event.pk)
    register(cast.teachers[2], event)
    event.refresh_from_db()
    assert event.registered == 2
    assert Participant.objects.filter(event=event, status="registered").count() == 2


def test_a_draft_event_is_invisible_to_teachers(cast: Cast) -> None:
    event, _, _ = week(cast.organiser, publish=False)
    with pytest.raises(NotFoundError):
        register(cast.teachers[0], event)


def test_an_event_for_chosen_schools_is_invisible_to_other_schools(cast: Cast) -> None:
    event, _, _ = week(
        cast.organiser, audience=Event.Audience.SCHOOLS, audience_school_ids=[cast.district.school_a.pk]
    )
    register(cast.teachers[0], event)
    with pytest.raises(NotFoundError):
        register(cast.other_school_teacher, event)


def test_ratings_need_every_track_and_values_from_0_to_5_and_write_nothing_otherwise(cast: Cast) -> None:
    event, _, tracks = week(cast.organiser, blocks=2)
    teacher = cast.teachers[0]
    register(teacher, event)
    with pytest.raises(TutornetError, match="Rate every track"):
        rate(teacher, event, {tracks[0][0]: 5})
    every = {track: 3 for block in tracks for track in block}
    with pytest.raises(TutornetError, match="from 0 to 5"):
        rate(teacher, event, {**every, tracks[0][0]: 6})
    assert not Rating.objects.filter(participant__event=event).exists()
    rate(teacher, event, {**every, tracks[0][0]: 0})
    assert Rating.objects.filter(participant__user=teacher.user).count() == 4


def test_ratings_outside_the_window_are_refused(cast: Cast) -> None:
    now = timezone.now()
    event, _, tracks = week(
        cast.organiser, rating_opens_at=now - timedelta(days=2), rating_closes_at=now - timedelta(days=1)
    )
    register(cast.teachers[0], event)
    with pytest.raises(WindowClosedError):
        rate(cast.teachers[0], event, {t: 1 for t in tracks[0]})


def test_only_participants_rate(cast: Cast) -> None:
    event, _, tracks = week(cast.organiser)
    with pytest.raises(PermissionDeniedError):
        rate(cast.teachers[0], event, {t: 1 for t in tracks[0]})


def test_the_allocation_service_maximises_satisfaction_and_reports_the_unassigned(cast: Cast) -> None:
    event, blocks, tracks = week(cast.organiser, places=(1, 1), min_size=1)
    a, b, c = cast.teachers[:3]
    x, y = tracks[0]
    for teacher in (a, b, c):
        register(teacher, event)
    rate(a, event, {x: 5, y: 0})
    rate(b, event, {x: 5, y: 4})
    rate(c, event, {x: 0, y: 0})
    (summary,) = services.event_allocate(
        actor=cast.organiser.user, membership=cast.organiser, event_id=event.pk
    )
    assigned = dict(
        Assignment.objects.filter(block=blocks[0]).values_list("participant__user_id", "track_id")
    )
    assert assigned == {a.user.pk: x.pk, b.user.pk: y.pk}
    assert summary.satisfaction == 9 and summary.best_possible == 10
    assert summary.unassigned == [Participant.objects.get(user=c.user).pk]
    assert summary.under_minimum == []
    assert [t.assigned for t in Track.objects.filter(pk__in=[x.pk, y.pk]).order_by("pk")] == [1, 1]


def test_a_manual_move_holds_the_capacity_and_survives_a_rerun(cast: Cast) -> None:
    event, blocks, tracks = week(cast.organiser, places=(1, 2))
    a, b = cast.teachers[:2]
    x, y = tracks[0]
    pa, pb = register(a, event), register(b, event)
    rate(a, event, {x: 5, y: 1})
    rate(b, event, {x: 1, y: 5})
    services.event_allocate(actor=cast.organiser.user, membership=cast.organiser, event_id=event.pk)
    with pytest.raises(TrackFullError):
        services.assignment_move(
            actor=cast.organiser.user,
            membership=cast.organiser,
            participant_id=pb.pk,
            block_id=blocks[0].pk,
            track_id=x.pk,
        )
    services.assignment_move(
        actor=cast.organiser.user,
        membership=cast.organiser,
        participant_id=pa.pk,
        block_id=blocks[0].pk,
        track_id=y.pk,
    )
    services.event_allocate(actor=cast.organiser.user, membership=cast.organiser, event_id=event.pk)
    assert Assignment.objects.get(participant=pa).how == Assignment.How.MANUAL
    assert Assignment.objects.get(participant=pa).track_id == y.pk
    x.refresh_from_db(), y.refresh_from_db()
    assert (x.assigned, y.assigned) == (0, 2)


def test_teachers_cannot_run_the_allocation_or_move_people(cast: Cast) -> None:
    event, blocks, tracks = week(cast.organiser)
    teacher = cast.teachers[0]
    participant = register(teacher, event)
    with pytest.raises(PermissionDeniedError):
        services.event_allocate(actor=teacher.user, membership=teacher, event_id=event.pk)
    with pytest.raises(PermissionDeniedError):
        services.assignment_move(
            actor=teacher.user,
            membership=teacher,
            participant_id=participant.pk,
            block_id=blocks[0].pk,
            track_id=tracks[0][0].pk,
        )


def test_first_come_takes_a_place_moves_within_the_block_and_refuses_a_full_track(cast: Cast) -> None:
    event, _, tracks = week(cast.organiser, places=(1, 1), fill_mode=Event.FillMode.FIRST_COME)
    x, y = tracks[0]
    a, b = cast.teachers[:2]
    register(a, event), register(b, event)
    services.track_take(actor=a.user, membership=a, track_id=x.pk)
    with pytest.raises(TrackFullError):
        services.track_take(actor=b.user, membership=b, track_id=x.pk)
    services.track_take(actor=a.user, membership=a, track_id=y.pk)
    services.track_take(actor=b.user, membership=b, track_id=x.pk)
    x.refresh_from_db(), y.refresh_from_db()
    assert (x.assigned, y.assigned) == (1, 1)
    assert Assignment.objects.filter(participant__user=a.user).count() == 1


def test_the_database_refuses_a_second_track_in_the_same_block(cast: Cast) -> None:
    event, blocks, tracks = week(cast.organiser, fill_mode=Event.FillMode.FIRST_COME)
    participant = register(cast.teachers[0], event)
    Assignment.objects.create(participant=participant, block=blocks[0], track=tracks[0][0], how="manual")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(participant=participant, block=blocks[0], track=tracks[0][1], how="manual")


def test_bad_event_input_gives_a_clear_message_and_writes_nothing(cast: Cast) -> None:
    today = timezone.localdate()
    with pytest.raises(TutornetError, match="last day"):
        services.event_create(
            actor=cast.organiser.user,
            membership=cast.organiser,
            title="Неделя",
            starts_on=today,
            ends_on=today - timedelta(days=1),
        )
    with pytest.raises(PermissionDeniedError):
        services.event_create(
            actor=cast.teachers[0].user,
            membership=cast.teachers[0],
            title="Неделя",
            starts_on=today,
            ends_on=today,
        )
    assert not Event.objects.filter(created_by=cast.organiser.user).exists()
