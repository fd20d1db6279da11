"""Daily reflection, task scores and the route defence.

A participant answers a day's reflection questions from that day on (local date of
the organisation), and may rewrite them.  Task points are set by the organisers,
within the task's maximum.  At a defence block an organiser assigns a participant to
a tutor of the organisation; re-assigning replaces the tutor.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from tutornet.errors import NotFoundError, TutornetError

from ..errors import WindowClosedError
from ..models import (
    Block,
    Day,
    DefenceAssignment,
    Participant,
    ReflectionAnswer,
    ReflectionQuestion,
    Task,
    TaskScore,
)
from ._common import acting, audit, current_organisation, managed_event, own_participant, visible_event

MAX_ANSWER = 4000


@transaction.atomic
def reflection_write(
    *, actor: User, membership: Membership | None, day_id: int, answers: Mapping[int, str]
) -> int:
    """Save the actor's answers to the day's questions; every question must be answered."""
    acting(actor, membership)
    try:
        day = Day.objects.get(pk=day_id)
    except Day.DoesNotExist:
        raise NotFoundError(_("There is no such day.")) from None
    event = visible_event(day.event_id, membership)
    participant = own_participant(event, actor)
    today = timezone.localdate(timezone.now(), current_organisation().zone)
    if today < day.date:
        raise WindowClosedError(_("The day's reflection opens on that day."), field="answers")
    questions = set(ReflectionQuestion.objects.filter(day=day).values_list("pk", flat=True))
    if not questions:
        raise TutornetError(_("This day has no reflection questions."), field="answers")
    cleaned = {question: (answers.get(question) or "").strip() for question in questions}
    if set(answers) - questions:
        raise TutornetError(_("There is no such question for this day."), field="answers")
    if any(not text for text in cleaned.values()):
        raise TutornetError(_("Answer every question."), field="answers")
    if any(len(text) > MAX_ANSWER for text in cleaned.values()):
        raise TutornetError(_("An answer is at most %(n)d characters.") % {"n": MAX_ANSWER}, field="answers")
    for question, text in cleaned.items():
        ReflectionAnswer.objects.update_or_create(
            question_id=question, participant=participant, defaults={"text": text}
        )
    audit(actor=actor, action="event.reflection", target=event, day_id=day.pk)
    return len(cleaned)


def _participant_of(event_id: int, participant_id: int) -> Participant:
    participant = Participant.objects.filter(
        pk=participant_id, event_id=event_id, status=Participant.Status.REGISTERED
    ).first()
    if participant is None:
        raise NotFoundError(_("There is no such participant."))
    return participant


@transaction.atomic
def task_score_set(
    *, actor: User, membership: Membership | None, task_id: int, participant_id: int, points: int
) -> TaskScore:
    acting(actor, membership)
    try:
        task = Task.objects.get(pk=task_id)
    except Task.DoesNotExist:
        raise NotFoundError(_("There is no such task.")) from None
    event = managed_event(task.event_id, membership)
    participant = _participant_of(event.pk, participant_id)
    if not 0 <= points <= task.max_points:
        raise TutornetError(
            _("Points for this task are from 0 to %(max)d.") % {"max": task.max_points}, field="points"
        )
    score, _created = TaskScore.objects.update_or_create(
        task=task, participant=participant, defaults={"points": points}
    )
    audit(actor=actor, action="event.task_score", target=task, participant_id=participant.pk, points=points)
    return score


@transaction.atomic
def defence_assign(
    *, actor: User, membership: Membership | None, block_id: int, participant_id: int, tutor: User
) -> DefenceAssignment:
    """Assign the participant to a tutor at the defence: that tutor accompanies their route."""
    acting(actor, membership)
    try:
        block = Block.objects.select_related("day").get(pk=block_id)
    except Block.DoesNotExist:
        raise NotFoundError(_("There is no such block.")) from None
    event = managed_event(block.day.event_id, membership)
    if block.kind != Block.Kind.DEFENCE:
        raise TutornetError(_("This block is not a route defence."), field="block")
    participant = _participant_of(event.pk, participant_id)
    organisation = current_organisation()
    if not Membership.objects.filter(
        user=tutor, organisation=organisation, role=Role.TUTOR, is_active=True
    ).exists():
        raise TutornetError(_("Choose one of the organisation's tutors."), field="tutor")
    assignment, _created = DefenceAssignment.objects.update_or_create(
        participant=participant, block=block, defaults={"tutor": tutor, "assigned_by": actor}
    )
    audit(
        actor=actor,
        action="event.defence_assign",
        target=event,
        participant_id=participant.pk,
        tutor_id=tutor.pk,
    )
    return assignment
