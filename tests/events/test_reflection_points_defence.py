"""Daily reflection and its summary, the points board and its visibility, the defence tutor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from tests.conftest import member
from tutorials.events import permissions, selectors, services
from tutorials.events.errors import WindowClosedError
from tutorials.events.models import Block, Event, ReflectionAnswer
from tutornet.errors import PermissionDeniedError, TutornetError

from .helpers import Cast, register, week


def _day_with_questions(cast: Cast, event: Event, *texts: str):  # type: ignore[no-untyped-def]
    day = event.days.order_by("date").first()
    questions = [
        services.question_add(actor=cast.organiser.user, membership=cast.organiser, day_id=day.pk, text=text)
        for text in texts
    ]
    return day, questions


def test_a_participant_answers_every_question_of_the_day_and_organisers_read_a_summary(cast: Cast) -> None:
    event, _, _ = week(cast.organiser, starts_on=timezone.localdate())
    day, (q1, q2) = _day_with_questions(cast, event, "Что было полезно?", "Что возьмёте в уроки?")
    a, b = cast.teachers[:2]
    register(a, event), register(b, event), register(cast.teachers[2], event)
    with pytest.raises(TutornetError, match="Answer every question"):
        services.reflection_write(actor=a.user, membership=a, day_id=day.pk, answers={q1.pk: "Всё"})
    assert not ReflectionAnswer.objects.filter(question__day=day).exists()
    services.reflection_write(
        actor=a.user,
        membership=a,
        day_id=day.pk,
        answers={q1.pk: "Мастерская по целеполаганию", q2.pk: "Целеполагание на уроке"},
    )
    services.reflection_write(
        actor=b.user,
        membership=b,
        day_id=day.pk,
        answers={q1.pk: "Целеполагание и рефлексия", q2.pk: "Рефлексию"},
    )
    (summary,) = selectors.reflection_summary(event)
    assert (summary.answered, summary.participants) == (2, 3)
    first = summary.questions[0]
    assert [answer.text for answer in first.answers] == [
        "Мастерская по целеполаганию",
        "Целеполагание и рефлексия",
    ]
    assert first.top_words[0] == ("целеполагание", 1) or ("целеполаганию", 1) in first.top_words
    assert dict(summary.questions[1].top_words)["целеполагание"] == 1


def test_a_day_reflection_cannot_be_written_before_the_day(cast: Cast) -> None:
    event, _, _ = week(cast.organiser, starts_on=timezone.localdate() + timedelta(days=3))
    day, (question,) = _day_with_questions(cast, event, "Что было полезно?")
    teacher = cast.teachers[0]
    register(teacher, event)
    with pytest.raises(WindowClosedError):
        services.reflection_write(
            actor=teacher.user, membership=teacher, day_id=day.pk, answers={question.pk: "Да"}
        )


def test_points_follow_the_organisers_rules_for_attendance_reflection_and_tasks(cast: Cast) -> None:
    event, blocks, tracks = week(
        cast.organiser, starts_on=timezone.localdate(), points_attendance=7, points_reflection=3
    )
    day, (question,) = _day_with_questions(cast, event, "Что было полезно?")
    a, b = cast.teachers[:2]
    pa, pb = register(a, event), register(b, event)
    organiser = cast.organiser
    services.assignment_move(
        actor=organiser.user,
        membership=organiser,
        participant_id=pa.pk,
        block_id=blocks[0].pk,
        track_id=tracks[0][0].pk,
    )
    services.attendance_mark(
        actor=organiser.user,
        membership=organiser,
        track_id=tracks[0][0].pk,
        participant_id=pa.pk,
        present=True,
    )
    services.reflection_write(actor=a.user, membership=a, day_id=day.pk, answers={question.pk: "Многое"})
    task = services.task_add(
        actor=organiser.user, membership=organiser, event_id=event.pk, title="Проект", max_points=20
    )
    services.task_score_set(
        actor=organiser.user, membership=organiser, task_id=task.pk, participant_id=pb.pk, points=15
    )
    with pytest.raises(TutornetError, match="from 0 to 20"):
        services.task_score_set(
            actor=organiser.user, membership=organiser, task_id=task.pk, participant_id=pb.pk, points=21
        )
    board = selectors.points_board(event)
    assert [(row.participant.pk, row.attendance, row.reflection, row.tasks, row.total) for row in board] == [
        (pb.pk, 0, 0, 15, 15),
        (pa.pk, 7, 3, 0, 10),
    ]
    (own,) = selectors.points_board(event, only=pa)
    assert own.total == 10
    services.event_settings_update(
        actor=organiser.user, membership=organiser, event_id=event.pk, points_attendance=20
    )
    event.refresh_from_db()
    assert selectors.points_board(event, only=pa)[0].total == 23


def test_the_board_is_for_organisers_unless_the_setting_opens_it_to_participants(cast: Cast) -> None:
    event, _, _ = week(cast.organiser)
    teacher = cast.teachers[0]
    register(teacher, event)
    assert permissions.can_see_board(cast.organiser, event, is_participant=False)
    assert not permissions.can_see_board(teacher, event, is_participant=True)
    services.event_settings_update(
        actor=cast.organiser.user,
        membership=cast.organiser,
        event_id=event.pk,
        board_visibility=Event.BoardVisibility.PARTICIPANTS,
    )
    event.refresh_from_db()
    assert permissions.can_see_board(teacher, event, is_participant=True)
    assert not permissions.can_see_board(cast.other_school_teacher, event, is_participant=False)


def test_a_defence_assignment_is_the_tutor_routes_read_for_that_academic_year(cast: Cast) -> None:
    from datetime import time

    event, _, _ = week(cast.organiser, starts_on=timezone.localdate(), publish=False)
    day = event.days.first()
    defence = services.block_add(
        actor=cast.organiser.user,
        membership=cast.organiser,
        day_id=day.pk,
        title="Защита ИОМ",
        starts=time(16),
        ends=time(18),
        kind=Block.Kind.DEFENCE,
    )
    services.event_publish(actor=cast.organiser.user, membership=cast.organiser, event_id=event.pk)
    teacher = cast.teachers[0]
    participant = register(teacher, event)
    tutor = member(cast.district.centre, Role.TUTOR).user
    not_a_tutor = cast.teachers[1].user
    with pytest.raises(TutornetError, match="tutors"):
        services.defence_assign(
            actor=cast.organiser.user,
            membership=cast.organiser,
            block_id=defence.pk,
            participant_id=participant.pk,
            tutor=not_a_tutor,
        )
    with pytest.raises(PermissionDeniedError):
        services.defence_assign(
            actor=teacher.user,
            membership=teacher,
            block_id=defence.pk,
            participant_id=participant.pk,
            tutor=tutor,
        )
    services.defence_assign(
        actor=cast.organiser.user,
        membership=cast.organiser,
        block_id=defence.pk,
        participant_id=participant.pk,
        tutor=tutor,
    )
    today = timezone.localdate()
    year = today.year if today.month >= 9 else today.year - 1
    assert selectors.tutor_assigned_at_defence(teacher.user.pk, year) == tutor.pk
    assert selectors.tutor_assigned_at_defence(teacher.user.pk, year - 1) is None
    assert selectors.tutor_assigned_at_defence(cast.teachers[1].user.pk, year) is None
