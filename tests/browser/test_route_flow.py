"""In real Chromium against the live stack, a professional route: the teacher fills the
stages of their draft route and sends it for agreement; the tutor asks a question in the
discussion and agrees the route; the teacher reads the answer and opens their portfolio,
whose PDF downloads.  The route is made through the services and deleted at the end."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from notifications.models import Notification
from tenants.models import AcademicYear
from tests.conftest import District, LiveStack, member
from tests.factories import PASSWORD, unique
from tutorials.routes import services
from tutorials.routes.models import Evidence, Route, Status

pytestmark = [pytest.mark.browser, pytest.mark.live]

CENTRE = "centre.localhost"


def _page(browser: Any, stack: LiveStack, user: User) -> Any:
    page = browser.new_context(locale="ru-RU").new_page()
    page.goto(stack.url(CENTRE, "/accounts/login/"))
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(stack.url(CENTRE, "/"))
    return page


def _step(page: Any, target: str) -> None:
    with page.expect_navigation():
        page.click(f"form[action$='/step/']:has(input[name=target][value={target}]) button")


def test_a_teacher_fills_and_sends_the_route_the_tutor_comments_and_agrees_the_portfolio_opens(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    teacher = member(district.school_a, Role.TEACHER, last_name="Маршрутова", first_name=unique("Анна")).user
    tutor = member(district.centre, Role.TUTOR, last_name="Тьюторов", first_name=unique("Пётр")).user
    year, _ = AcademicYear.objects.get_or_create(
        name="2026/2027", defaults={"starts_on": "2026-09-01", "ends_on": "2027-08-31"}
    )
    with tenant_context(district.centre):
        route = services.route_create(actor=teacher, teacher=teacher, academic_year=year, tutor=tutor)
        services.item_add(actor=teacher, route_id=route.pk, version=route.version, task="Пройти КПК по ФГОС")
        services.evidence_add(
            actor=teacher,
            route_id=route.pk,
            kind=Evidence.Kind.LINK,
            title="Удостоверение КПК",
            url="https://example.org/kpk",
        )
    path = f"/routes/{route.pk}/"
    try:
        # --- the teacher fills the stages and sends the route for agreement ---
        page = _page(browser, live_stack, teacher)
        page.goto(live_stack.url(CENTRE, path))
        page.fill("#sections textarea[name=question]", "Как учить решать задачи с параметром?")
        page.fill("#sections textarea[name=goal]", "Освоить три приёма и провести открытый урок")
        with page.expect_navigation():
            page.click("#sections button[type=submit]")
        assert (
            page.input_value("#sections textarea[name=goal]") == "Освоить три приёма и провести открытый урок"
        )
        _step(page, Status.SUBMITTED)
        with tenant_context(district.centre):
            assert Route.objects.get(pk=route.pk).status == Status.SUBMITTED

        # --- the tutor comments and agrees ---
        tutor_page = _page(browser, live_stack, tutor)
        tutor_page.goto(live_stack.url(CENTRE, path))
        assert (
            tutor_page.input_value("#sections textarea[name=question]")
            == "Как учить решать задачи с параметром?"
        )
        tutor_page.fill("#add-comment textarea[name=text]", "Добавьте в план консультацию по параметрам.")
        with tutor_page.expect_navigation():
            tutor_page.click("#add-comment button[type=submit]")
        _step(tutor_page, Status.AGREED)
        assert "Добавьте в план консультацию" in tutor_page.inner_text("#comments")

        # --- the teacher reads the comment and opens the portfolio, whose PDF downloads ---
        page.goto(live_stack.url(CENTRE, path))
        assert "Добавьте в план консультацию по параметрам." in page.inner_text("#comments")
        page.goto(live_stack.url(CENTRE, "/routes/portfolio/"))
        page.wait_for_url(live_stack.url(CENTRE, f"{path}portfolio/"))
        assert "Удостоверение КПК" in page.inner_text("#by-task")
        assert "Пройти КПК по ФГОС" in page.inner_text("#by-task")
        with page.expect_download() as download:
            page.click(f"a[href='{path}portfolio/pdf/']")
        with open(download.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
        with tenant_context(district.centre):
            assert Route.objects.get(pk=route.pk).status == Status.AGREED
    finally:
        Notification.objects.filter(link__contains=path).delete()
        with tenant_context(district.centre):
            Route.objects.filter(pk=route.pk).delete()
