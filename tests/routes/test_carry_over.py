"""Next year's draft from a completed route: what was not achieved comes along as proposals,
the correction's goals become the new goal; twice adds nothing; who may; what is refused."""

from __future__ import annotations

from datetime import date

import pytest

from tenants.models import AcademicYear
from tests.conftest import client_for
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import carry_over, services
from tutorials.routes.models import PlanItem, Route, Status
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from .helpers import approved, step


def _next_year() -> AcademicYear:
    year, _ = AcademicYear.objects.get_or_create(
        name="2027/2028", defaults={"starts_on": date(2027, 9, 1), "ends_on": date(2028, 8, 31)}
    )
    return year


def _completed(cast: Cast, who: str = "teacher", year: AcademicYear | None = None) -> Route:
    """An active route with four tasks (done, in progress, planned with a deadline, dropped),
    a reflection, then completed."""
    teacher = cast.user(who)
    if year is None:
        route = approved(cast, who)
    else:
        route = services.route_create(
            actor=teacher, teacher=teacher, academic_year=year, tutor=cast.user("tutor")
        )
        services.item_add(actor=teacher, route_id=route.pk, version=route.version, task="Задача 1")
        step(route, teacher, Status.SUBMITTED)
        step(route, cast.user("tutor"), Status.AGREED)
        step(route, cast.user("admin_a"), Status.APPROVED)
    step(route, teacher, Status.ACTIVE)
    route.refresh_from_db()
    for task in ("Курсы КПК", "Открытый урок", "Публикация"):
        route = Route.objects.get(pk=route.pk)
        services.item_add(
            actor=teacher,
            route_id=route.pk,
            version=route.version,
            task=task,
            topic_id=cast.topics["2.1"].pk if task == "Открытый урок" else None,
            deadline=date(2027, 4, 15) if task == "Открытый урок" else None,
        )
    items = {i.task: i for i in Route.objects.get(pk=route.pk).items.all()}
    for task, status in (("Задача 1", "done"), ("Курсы КПК", "in_progress"), ("Публикация", "dropped")):
        services.item_update(
            actor=teacher, item_id=items[task].pk, version=items[task].version, status=status
        )
    route = Route.objects.get(pk=route.pk)
    services.route_update_sections(
        actor=teacher, route_id=route.pk, version=route.version, reflection="Освоить задания с параметром"
    )
    return step(route, cast.user("tutor"), Status.COMPLETED)


def test_next_years_draft_carries_what_was_not_achieved(cast: Cast) -> None:
    year = _next_year()
    old = _completed(cast)
    result = carry_over.route_carry_over(actor=cast.user("teacher"), route_id=old.pk)
    new = result.route
    assert (new.academic_year, new.status, new.tutor, new.school_id) == (
        year,
        Status.DRAFT,
        cast.user("tutor"),
        old.school_id,
    )
    assert new.goal == "Освоить задания с параметром"
    items = list(new.items.all())
    assert [i.task for i in items] == ["Курсы КПК", "Открытый урок"]
    assert result.carried == 2
    assert all(i.proposal == PlanItem.Proposal.PROPOSED and i.status == "planned" for i in items)
    assert items[1].deadline == date(2028, 4, 15) and items[1].topic_id == cast.topics["2.1"].pk
    assert items[0].why == "Carried over from the route of 2026/2027: not achieved (in progress)"
    # The completed route is untouched.
    assert old.items.count() == 4 and Route.objects.get(pk=old.pk).status == Status.COMPLETED


def test_carrying_twice_adds_nothing_and_fills_an_existing_draft(cast: Cast) -> None:
    year = _next_year()
    old = _completed(cast)
    teacher = cast.user("teacher")
    september = services.route_create(actor=teacher, teacher=teacher, academic_year=year)
    services.item_add(actor=teacher, route_id=september.pk, version=september.version, task="Из диагностики")
    first = carry_over.route_carry_over(actor=cast.user("tutor"), route_id=old.pk)
    again = carry_over.route_carry_over(actor=teacher, route_id=old.pk)
    assert first.route.pk == again.route.pk == september.pk
    assert (first.carried, again.carried) == (2, 0)
    assert list(september.items.values_list("task", flat=True)) == [
        "Из диагностики",
        "Курсы КПК",
        "Открытый урок",
    ]
    assert Route.objects.filter(teacher=teacher, academic_year=year).count() == 1


def test_what_carry_over_refuses(cast: Cast) -> None:
    last, _ = AcademicYear.objects.get_or_create(
        name="2098/2099", defaults={"starts_on": date(2098, 9, 1), "ends_on": date(2099, 8, 31)}
    )
    latest = _completed(cast, "teacher2", year=last)
    with pytest.raises(TutornetError, match="next academic year is not set up"):
        carry_over.route_carry_over(actor=cast.user("teacher2"), route_id=latest.pk)
    old = _completed(cast)
    year = _next_year()
    with pytest.raises(NotFoundError):  # another school's teacher does not see it
        carry_over.route_carry_over(actor=cast.user("teacher_b"), route_id=old.pk)
    with pytest.raises(PermissionDeniedError):  # the school's admin sees it, but it is not theirs to plan
        carry_over.route_carry_over(actor=cast.user("admin_a"), route_id=old.pk)
    active = approved(cast, "teacher_b")
    with pytest.raises(TutornetError, match="Only a completed route"):
        carry_over.route_carry_over(actor=cast.user("teacher_b"), route_id=active.pk)
    # Next year's route already sent on: nothing goes into it.
    teacher = cast.user("teacher")
    sent = services.route_create(actor=teacher, teacher=teacher, academic_year=year, tutor=cast.user("tutor"))
    services.item_add(actor=teacher, route_id=sent.pk, version=sent.version, task="x")
    step(sent, teacher, Status.SUBMITTED)
    with pytest.raises(TutornetError, match="already been sent on"):
        carry_over.route_carry_over(actor=teacher, route_id=old.pk)
    assert sent.items.count() == 1


def test_the_route_page_drafts_next_year_in_one_click(cast: Cast) -> None:
    _next_year()
    old = _completed(cast)
    client = client_for(cast.user("teacher"), cast.district.host(cast.district.centre))
    assert "Составить маршрут на следующий год" in client.get(f"/routes/{old.pk}/").content.decode()
    response = client.post(f"/routes/{old.pk}/carry-over/")
    new = Route.objects.exclude(pk=old.pk).get(teacher=cast.user("teacher"))
    assert response["Location"] == f"/routes/{new.pk}/"
    # Not offered on a route that is not completed.
    assert "Составить маршрут на следующий год" not in client.get(f"/routes/{new.pk}/").content.decode()
