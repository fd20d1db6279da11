"""The route's lifecycle: who takes which step, refusals that say why, the audit, versions."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import services
from tutorials.routes.errors import StaleVersionError, TransitionRefusedError
from tutorials.routes.models import Route, RouteTransition, Status
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from .helpers import approved, draft, step


def test_the_whole_lifecycle_is_audited(cast: Cast) -> None:
    route = approved(cast)
    step(route, cast.user("teacher"), Status.ACTIVE)
    step(route, cast.user("tutor"), Status.COMPLETED)
    route = step(route, cast.user("methodologist"), Status.ACTIVE, reason="Не учтена стажировка")
    trail = list(
        RouteTransition.objects.filter(route=route).values_list("from_status", "to_status", "actor_id")
    )
    assert trail == [
        ("", "draft", cast.user("teacher").pk),
        ("draft", "submitted", cast.user("teacher").pk),
        ("submitted", "agreed", cast.user("tutor").pk),
        ("agreed", "approved", cast.user("admin_a").pk),
        ("approved", "active", cast.user("teacher").pk),
        ("active", "completed", cast.user("tutor").pk),
        ("completed", "active", cast.user("methodologist").pk),
    ]
    assert RouteTransition.objects.get(route=route, from_status="completed").reason == "Не учтена стажировка"
    assert AuditEvent.objects.filter(action="route.transition", target=str(route.pk)).count() == 6


def test_refusals_name_why_and_write_nothing(cast: Cast) -> None:
    route = draft(cast, tutor=False, items=0)
    teacher = cast.user("teacher")
    with pytest.raises(TransitionRefusedError, match="Choose a tutor"):
        step(route, teacher, Status.SUBMITTED)
    services.route_set_tutor(
        actor=teacher, route_id=route.pk, version=route.version, tutor=cast.user("tutor")
    )
    with pytest.raises(TransitionRefusedError, match="plan is empty"):
        step(route, teacher, Status.SUBMITTED)
    with pytest.raises(TransitionRefusedError, match="cannot go from"):
        step(route, teacher, Status.APPROVED)
    route.refresh_from_db()
    assert route.status == Status.DRAFT
    assert RouteTransition.objects.filter(route=route).count() == 1


def test_only_the_right_person_takes_each_step(cast: Cast) -> None:
    route = draft(cast)
    step(route, cast.user("teacher"), Status.SUBMITTED)
    # The teacher cannot agree their own route; another tutor cannot see it at all.
    with pytest.raises(PermissionDeniedError):
        step(route, cast.user("teacher"), Status.AGREED)
    with pytest.raises(NotFoundError):
        step(route, cast.user("other_tutor"), Status.AGREED)
    step(route, cast.user("tutor"), Status.AGREED)
    # The other school's admin cannot approve; neither can the tutor.
    with pytest.raises(NotFoundError):
        step(route, cast.user("admin_b"), Status.APPROVED)
    with pytest.raises(PermissionDeniedError):
        step(route, cast.user("tutor"), Status.APPROVED)
    step(route, cast.user("admin_a"), Status.APPROVED)
    step(route, cast.user("teacher"), Status.ACTIVE)
    step(route, cast.user("tutor"), Status.COMPLETED)
    # Reopening: only a methodologist, and only with a reason.
    with pytest.raises(PermissionDeniedError):
        step(route, cast.user("tutor"), Status.ACTIVE, reason="нужно")
    with pytest.raises(TransitionRefusedError, match="reason is required"):
        step(route, cast.user("methodologist"), Status.ACTIVE)
    route.refresh_from_db()
    assert route.status == Status.COMPLETED


def test_a_returned_route_needs_a_reason(cast: Cast) -> None:
    route = draft(cast)
    step(route, cast.user("teacher"), Status.SUBMITTED)
    with pytest.raises(TransitionRefusedError, match="reason"):
        step(route, cast.user("tutor"), Status.DRAFT)
    step(route, cast.user("tutor"), Status.DRAFT, reason="Уточните сроки")
    assert Route.objects.get(pk=route.pk).status == Status.DRAFT


def test_two_editors_get_a_conflict_not_a_silent_overwrite(cast: Cast) -> None:
    route = draft(cast)
    seen = route.version
    services.route_update_sections(
        actor=cast.user("teacher"), route_id=route.pk, version=seen, goal="Цель учителя"
    )
    with pytest.raises(StaleVersionError):
        services.route_update_sections(
            actor=cast.user("tutor"), route_id=route.pk, version=seen, goal="Цель тьютора"
        )
    route.refresh_from_db()
    assert route.goal == "Цель учителя"
    assert route.version == seen + 1


def test_a_completed_route_is_frozen(cast: Cast) -> None:
    route = approved(cast)
    step(route, cast.user("teacher"), Status.ACTIVE)
    route = step(route, cast.user("tutor"), Status.COMPLETED)
    with pytest.raises(PermissionDeniedError):
        services.route_update_sections(
            actor=cast.user("teacher"), route_id=route.pk, version=route.version, goal="x"
        )


def test_one_route_per_teacher_and_year_and_only_for_a_teacher(cast: Cast) -> None:
    draft(cast)
    with pytest.raises(TutornetError, match="already has a route"):
        draft(cast)
    methodologist = cast.user("methodologist")
    with pytest.raises(TutornetError, match="not a teacher of any school"):
        services.route_create(actor=methodologist, teacher=cast.user("tutor"), academic_year=cast.year)
    with pytest.raises(PermissionDeniedError):
        services.route_create(
            actor=cast.user("teacher2"), teacher=cast.user("teacher"), academic_year=cast.year
        )
