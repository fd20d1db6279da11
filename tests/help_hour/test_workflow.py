"""The request's state machine: every allowed step leads where the issue says, every other
step is refused with a message naming the current status and the attempted action; the
services go through it, record each step and lock the row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import override

from consultations.help_hour import services, workflow
from consultations.help_hour.models import HelpHourRequest, RequestEvent, Status
from consultations.help_hour.workflow import Action, IllegalTransitionError
from tests.help_hour.helpers import Cast, accepted_request, in_centre_schema, new_request, schedule
from tutornet.errors import ConflictError, PermissionDeniedError, TutornetError

S = Status
ALLOWED = {
    (S.DRAFT, Action.SUBMIT): S.SUBMITTED,
    (S.NEEDS_CLARIFICATION, Action.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, Action.RETURN): S.NEEDS_CLARIFICATION,
    (S.SUBMITTED, Action.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, Action.REJECT): S.REJECTED,
    (S.NEEDS_CLARIFICATION, Action.REJECT): S.REJECTED,
    (S.DRAFT, Action.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, Action.WITHDRAW): S.WITHDRAWN,
    (S.NEEDS_CLARIFICATION, Action.WITHDRAW): S.WITHDRAWN,
    (S.ACCEPTED, Action.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, Action.ASSIGN_TUTOR): S.SUBMITTED,
    (S.NEEDS_CLARIFICATION, Action.ASSIGN_TUTOR): S.NEEDS_CLARIFICATION,
    (S.ACCEPTED, Action.ASSIGN_TUTOR): S.ACCEPTED,
    (S.ACCEPTED, Action.SCHEDULE): S.SCHEDULED,
    (S.SCHEDULED, Action.HOLD): S.HELD,
    (S.HELD, Action.CLOSE): S.CLOSED,
}
STEPS = [a for a in Action if a != Action.CREATE]
REFUSED = [(s, a) for s in Status for a in STEPS if (s, a) not in ALLOWED]


@pytest.mark.parametrize(("status", "action"), list(ALLOWED))
def test_each_allowed_transition_leads_to_its_status(status: Status, action: Action) -> None:
    assert workflow.target(status, action) == ALLOWED[(status, action)]
    assert action in workflow.allowed_actions(status)


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_each_other_transition_is_refused_naming_the_status_and_the_action(
    status: Status, action: Action
) -> None:
    with override("en"), pytest.raises(IllegalTransitionError) as refused:
        workflow.target(status, action)
    assert isinstance(refused.value, ConflictError)
    assert refused.value.status == 409
    with override("en"):
        assert f"“{status.label}”" in refused.value.message
        assert f"“{action.label}”" in refused.value.message
    assert action not in workflow.allowed_actions(status)


def test_closed_rejected_and_withdrawn_are_final() -> None:
    for status in (S.CLOSED, S.REJECTED, S.WITHDRAWN):
        assert workflow.allowed_actions(status) == []


def _timeline(request_id: int) -> list[tuple[str, str, str]]:
    with in_centre_schema():
        return [
            (e.from_status, e.to_status, e.action)
            for e in RequestEvent.objects.filter(request_id=request_id).order_by("at", "pk")
        ]


def test_the_full_path_through_the_services_is_recorded_step_by_step(cast: Cast) -> None:
    draft = new_request(cast, submit=False)
    assert draft.status == S.DRAFT
    teacher, methodologist = cast.user("requester"), cast.user("methodologist")
    request = services.request_submit(request_id=draft.pk, actor=teacher, membership=cast.requester)
    assert request.status == S.SUBMITTED and request.submitted_at is not None
    request = services.request_return(
        request_id=draft.pk, actor=methodologist, membership=cast.methodologist, question="Which grade?"
    )
    assert request.status == S.NEEDS_CLARIFICATION and request.status_comment == "Which grade?"
    request = services.request_submit(
        request_id=draft.pk, actor=teacher, membership=cast.requester, comment="Grade 7"
    )
    assert request.status == S.SUBMITTED
    request = services.request_assign_tutor(
        request_id=draft.pk,
        tutor_id=cast.user("tutor").pk,
        actor=methodologist,
        membership=cast.methodologist,
    )
    assert request.tutor == cast.user("tutor")
    request = services.request_accept(request_id=draft.pk, actor=methodologist, membership=cast.methodologist)
    assert request.status == S.ACCEPTED
    starts = timezone.now() + timedelta(days=2)
    session = schedule(cast, [request], starts_at=starts)
    tutor = cast.user("tutor")
    session = services.session_mark_held(
        session_id=session.pk, actor=tutor, membership=cast.tutor, now=starts + timedelta(minutes=50)
    )
    services.session_record_outcome(
        session_id=session.pk, actor=tutor, membership=cast.tutor, summary="Программа согласована"
    )
    services.session_close(session_id=session.pk, actor=tutor, membership=cast.tutor)
    with in_centre_schema():
        assert HelpHourRequest.objects.get(pk=draft.pk).status == S.CLOSED
        actors = list(
            RequestEvent.objects.filter(request_id=draft.pk)
            .order_by("at", "pk")
            .values_list("actor", flat=True)
        )
    assert _timeline(draft.pk) == [
        ("", S.DRAFT, Action.CREATE),
        (S.DRAFT, S.SUBMITTED, Action.SUBMIT),
        (S.SUBMITTED, S.NEEDS_CLARIFICATION, Action.RETURN),
        (S.NEEDS_CLARIFICATION, S.SUBMITTED, Action.SUBMIT),
        (S.SUBMITTED, S.SUBMITTED, Action.ASSIGN_TUTOR),
        (S.SUBMITTED, S.ACCEPTED, Action.ACCEPT),
        (S.ACCEPTED, S.SCHEDULED, Action.SCHEDULE),
        (S.SCHEDULED, S.HELD, Action.HOLD),
        (S.HELD, S.CLOSED, Action.CLOSE),
    ]
    assert (
        actors
        == [teacher.pk, teacher.pk, methodologist.pk, teacher.pk] + [methodologist.pk] * 3 + [tutor.pk] * 2
    )


def test_rejecting_from_clarification_and_withdrawing_an_accepted_request_are_recorded(cast: Cast) -> None:
    methodologist = cast.user("methodologist")
    returned = new_request(cast)
    services.request_return(
        request_id=returned.pk, actor=methodologist, membership=cast.methodologist, question="Which grade?"
    )
    rejected = services.request_reject(
        request_id=returned.pk, actor=methodologist, membership=cast.methodologist, reason="Не по профилю"
    )
    assert rejected.status == S.REJECTED and rejected.status_comment == "Не по профилю"
    accepted = accepted_request(cast)
    withdrawn = services.request_withdraw(
        request_id=accepted.pk, actor=cast.user("school_admin"), membership=cast.school_admin
    )
    assert withdrawn.status == S.WITHDRAWN
    assert _timeline(accepted.pk)[-1] == (S.ACCEPTED, S.WITHDRAWN, Action.WITHDRAW)
    draft = new_request(cast, submit=False)
    assert (
        services.request_withdraw(
            request_id=draft.pk, actor=cast.user("requester"), membership=cast.requester
        ).status
        == S.WITHDRAWN
    )


def test_an_illegal_step_through_a_service_is_refused_and_changes_nothing(cast: Cast) -> None:
    request = new_request(cast, submit=False)
    with override("en"), pytest.raises(IllegalTransitionError, match="“Draft”: “Accept” is not possible"):
        services.request_accept(
            request_id=request.pk, actor=cast.user("methodologist"), membership=cast.methodologist
        )
    rejected = services.request_reject(
        request_id=services.request_submit(
            request_id=request.pk, actor=cast.user("requester"), membership=cast.requester
        ).pk,
        actor=cast.user("methodologist"),
        membership=cast.methodologist,
        reason="Нет документа",
    )
    for attempt in (
        lambda: services.request_withdraw(
            request_id=rejected.pk, actor=cast.user("requester"), membership=cast.requester
        ),
        lambda: services.request_submit(
            request_id=rejected.pk, actor=cast.user("requester"), membership=cast.requester
        ),
        lambda: services.request_accept(
            request_id=rejected.pk, actor=cast.user("methodologist"), membership=cast.methodologist
        ),
    ):
        with override("en"), pytest.raises(IllegalTransitionError, match="“Rejected”"):
            attempt()
    assert [step[1] for step in _timeline(request.pk)] == [S.DRAFT, S.SUBMITTED, S.REJECTED]


def test_rejecting_or_returning_needs_a_reason(cast: Cast) -> None:
    request = new_request(cast)
    with pytest.raises(TutornetError) as refused:
        services.request_reject(
            request_id=request.pk,
            actor=cast.user("methodologist"),
            membership=cast.methodologist,
            reason="  ",
        )
    assert refused.value.field == "reason"
    with pytest.raises(TutornetError):
        services.request_return(
            request_id=request.pk,
            actor=cast.user("methodologist"),
            membership=cast.methodologist,
            question="",
        )


def test_a_draft_cannot_be_sent_incomplete(cast: Cast) -> None:
    draft = services.request_create(
        actor=cast.user("requester"),
        membership=cast.requester,
        subject=cast.subject,
        category="exam_preparation",
    )
    with pytest.raises(TutornetError) as refused:
        services.request_submit(request_id=draft.pk, actor=cast.user("requester"), membership=cast.requester)
    assert refused.value.field == "description"


def test_only_methodologists_move_the_queue_and_only_the_school_submits(cast: Cast) -> None:
    request = new_request(cast, submit=False)
    with pytest.raises(PermissionDeniedError):
        services.request_submit(
            request_id=request.pk, actor=cast.user("other_admin"), membership=cast.other_admin
        )
    with pytest.raises(PermissionDeniedError):
        services.request_submit(request_id=request.pk, actor=cast.user("outsider"), membership=cast.outsider)
    services.request_submit(
        request_id=request.pk, actor=cast.user("school_admin"), membership=cast.school_admin
    )
    for who in ("tutor", "centre_admin", "school_admin"):
        with pytest.raises(PermissionDeniedError):
            services.request_accept(
                request_id=request.pk, actor=cast.user(who), membership=getattr(cast, who)
            )
    # Someone else's membership does not lend its rights.
    with pytest.raises(PermissionDeniedError):
        services.request_accept(
            request_id=request.pk, actor=cast.user("tutor"), membership=cast.methodologist
        )


def test_the_database_refuses_an_unknown_status(cast: Cast) -> None:
    request = new_request(cast)
    with in_centre_schema(), pytest.raises(IntegrityError), transaction.atomic():
        HelpHourRequest.objects.filter(pk=request.pk).update(status="lost")


def test_the_database_refuses_a_scheduled_request_without_a_session(cast: Cast) -> None:
    request = accepted_request(cast)
    with in_centre_schema(), pytest.raises(IntegrityError), transaction.atomic():
        HelpHourRequest.objects.filter(pk=request.pk).update(status=S.SCHEDULED)
