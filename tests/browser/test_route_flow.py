"""In real Chromium against the live stack, the issue's route flow (issue 12), the teacher's part
by keyboard alone with its focus visible (issue 14):

1. the methodologist proposes a route from the campaign's final results and confirms a group
   route of teachers of two schools sharing a deficit (its task joins the teacher's route);
2. the teacher, by keyboard, keeps two proposed tasks and drops one, books a consultation from
   the group's task and sends the route for agreement;
3. the tutor agrees and the school admin approves;
4. once the consultation is held, the teacher finds it as evidence with the tutor's note;
5. the teacher downloads the DOCX, by keyboard, and it lists the plan they kept.

The campaign, the offering and the group route are made through the services; the routes and
the group are deleted at the end."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from docx import Document

from accounts.models import User
from consultations.models import Booking, Slot
from consultations.services import booking_mark
from notifications.models import Notification
from tests.browser.axe import assert_accessible
from tests.browser.test_keyboard_walk import press_on, sign_in_by_keyboard, tab_to
from tests.conftest import District, LiveStack
from tests.consultations.factories import OfferingFactory, SlotFactory
from tests.diagnostics_campaigns.helpers import RIGHT, WRONG, make_cast
from tests.routes.results import final_campaign
from tutorials.diagnostics.models import ItemType
from tutorials.routes import groups, services
from tutorials.routes.models import PlanItem, Route, Status
from tutorials.routes.models_groups import GroupItemLink, GroupRoute

pytestmark = [pytest.mark.browser, pytest.mark.live]

CENTRE = "centre.localhost"
# Right on 1.1 only: deficits on 1.2, 2.1 (50 %) and 3.1, three proposed tasks.
THREE_GAPS = {**WRONG, ItemType.SINGLE: RIGHT[ItemType.SINGLE], ItemType.NUMERIC: RIGHT[ItemType.NUMERIC]}
OUTCOME = "Разобрали уравнения с параметром, дальше — графики"


def _page(browser: Any, stack: LiveStack, user: User) -> Any:
    page = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 768}).new_page()
    sign_in_by_keyboard(page, stack, CENTRE, user.email)
    return page


def _step(page: Any, target: str) -> None:
    press_on(page, f"form[action$='/step/']:has(input[name=target][value={target}]) button")


def test_a_proposed_route_kept_booked_agreed_approved_evidenced_and_downloaded(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    with tenant_context(district.centre):
        cast = make_cast(district)
        campaign = final_campaign(cast, {"teacher": THREE_GAPS, "teacher_b": WRONG})
        tutor, teacher = cast.user("tutor"), cast.user("teacher")
        offering: Any = OfferingFactory(tutor=tutor, subject=cast.subject)
        soon = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        for hours in (0, 1):
            SlotFactory(offering=offering, starts_at=soon + timedelta(hours=hours))
        # The group route being built: teachers of schools A and B who share «Уравнения» (2.1);
        # its task points to the tutor's consultations (the proposals' first offer with an id).
        group = groups.group_create(
            actor=cast.user("methodologist"),
            title="Уравнения — группа района",
            academic_year_id=cast.year.pk,
            subject_id=cast.subject.pk,
            topic_ids=[cast.topics["2.1"].pk],
            teacher_ids=[teacher.pk, cast.user("teacher_b").pk],
            campaign_id=campaign.pk,
        )
    try:
        # --- 1. the methodologist proposes the route and confirms the group route ---
        methodologist = _page(browser, live_stack, cast.user("methodologist"))
        methodologist.goto(live_stack.url(CENTRE, f"/routes/propose/{campaign.pk}/"))
        press_on(methodologist, f"button[form=propose-one][value='{teacher.pk}']")
        assert "Предложено маршрутов: 1" in methodologist.inner_text("main")
        methodologist.goto(live_stack.url(CENTRE, f"/routes/groups/{group.pk}/"))
        press_on(methodologist, "#confirm button")
        with tenant_context(district.centre):
            route = Route.objects.get(teacher=teacher, academic_year=cast.year)
            proposed = list(route.items.filter(proposal=PlanItem.Proposal.PROPOSED).order_by("position"))
            copy = GroupItemLink.objects.get(item__route=route).item
            assert len(proposed) == 3 and copy.target_id == offering.pk
            # The methodologist assigns the tutor (the route page offers it: test_tutor_choice.py).
            services.route_set_tutor(
                actor=cast.user("methodologist"), route_id=route.pk, version=route.version, tutor=tutor
            )
        path = f"/routes/{route.pk}/"

        # --- 2. the teacher, by keyboard: keeps two tasks, drops one, books, sends ---
        page = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 768}).new_page()
        sign_in_by_keyboard(page, live_stack, CENTRE, teacher.email)
        page.goto(live_stack.url(CENTRE, path))
        for item, decision in zip(proposed, ("accept", "accept", "drop"), strict=True):
            press_on(page, f"form[action$='/items/{item.pk}/decide/'] button[value={decision}]")
        assert "из группового маршрута «Уравнения — группа района»" in page.inner_text("#plan")
        press_on(page, f"form[action$='/items/{copy.pk}/book/'] button")
        press_on(page, "form[action$='/step/']:has(input[name=target][value=submitted]) button")
        with tenant_context(district.centre):
            booking = Booking.objects.get(teacher=teacher, slot__offering=offering)
            assert Route.objects.get(pk=route.pk).status == Status.SUBMITTED

        # --- 3. the tutor agrees, the school admin approves ---
        tutor_page = _page(browser, live_stack, tutor)
        tutor_page.goto(live_stack.url(CENTRE, path))
        _step(tutor_page, Status.AGREED)
        admin_page = _page(browser, live_stack, cast.user("admin_a"))
        admin_page.goto(live_stack.url(CENTRE, path))
        _step(admin_page, Status.APPROVED)

        # --- 4. the consultation took place (time passes); the teacher finds it as evidence ---
        with tenant_context(district.centre):
            past = timezone.now() - timedelta(minutes=50)
            held = {"starts_at": past, "ends_at": past + timedelta(minutes=45)}
            Slot.objects.filter(pk=booking.slot_id).update(**held)
            Booking.objects.filter(pk=booking.pk).update(**held)
            booking_mark(booking_id=booking.pk, actor=tutor, status="held", outcome_note=OUTCOME)
        page.goto(live_stack.url(CENTRE, path))
        assert "утверждён школой" in page.inner_text("#status")
        press_on(page, "form[action$='/collect/'] button")
        assert OUTCOME in page.inner_text("#evidence")
        assert_accessible(page, "the route page with its plan, evidence and thread")

        # --- 5. the DOCX, by keyboard ---
        tab_to(page, f"a[href='{path}docx/']")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        with open(download.value.path(), "rb") as file:
            document = Document(BytesIO(file.read()))
        text = "\n".join(p.text for p in document.paragraphs)
        assert teacher.get_full_name() in text and cast.year.name in text
        tasks = [row.cells[1].text for row in document.tables[0].rows[1:]]
        assert tasks == [proposed[0].task, proposed[1].task, copy.task]
    finally:
        Notification.objects.filter(link__contains="/routes/", recipient__in=[teacher, tutor]).delete()
        with tenant_context(district.centre):
            Route.objects.filter(teacher__in=[teacher, cast.user("teacher_b")]).delete()
            GroupRoute.objects.filter(pk=group.pk).delete()
