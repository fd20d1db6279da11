"""In real Chromium against the live stack, a district methodological week end to end: a
teacher of school 1 registers on the centre's site and rates the week's workshops; the
methodologist runs the allocation; the teacher sees their schedule, checks in with the code
from the organiser's screen, writes the day's reflection and downloads the certificate; the
certificate's verification link confirms it.  Every step in the pages is done with the keyboard
alone (Tab, arrows, Enter, typing), each control reached showing its focus (``tab_to``)."""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from accounts.models import Role, User
from tests.browser.axe import assert_accessible
from tests.browser.test_keyboard_walk import arrow_to, press_on, sign_in_by_keyboard, tab_to, type_into
from tests.conftest import District, LiveStack, member
from tests.factories import unique
from tutorials.events import services
from tutorials.events.models import Attendance, Event, ReflectionAnswer

pytestmark = [pytest.mark.browser, pytest.mark.live]

CENTRE = "centre.localhost"


def _page(browser: Any, stack: LiveStack, user: User) -> Any:
    page = browser.new_context(locale="ru-RU", accept_downloads=True).new_page()
    sign_in_by_keyboard(page, stack, CENTRE, user.email)
    page.wait_for_url(stack.url(CENTRE, "/"))
    return page


def _week(district: District) -> tuple[Event, User, User, dict[str, int]]:
    """Today's one-day week whose only block runs now, with two workshops and a question."""
    # The centre admin organises: a committed extra methodologist would receive other tests' notifications.
    organiser = member(district.centre, Role.CENTRE_ADMIN, last_name="Организаторова").user
    membership = organiser.memberships.get()
    teacher = member(district.school_a, Role.TEACHER, last_name="Участникова", first_name=unique("Анна")).user
    zone = district.centre.zone
    now = timezone.localtime(timezone.now(), zone)
    today = now.date()
    starts = max(now - timedelta(minutes=10), datetime.combine(today, time(0), tzinfo=zone)).time()
    ends = min(now + timedelta(minutes=60), datetime.combine(today, time(23, 59), tzinfo=zone)).time()
    with tenant_context(district.centre):
        event = services.event_create(
            actor=organiser,
            membership=membership,
            title=f"Методическая неделя {unique('w')}",
            starts_on=today,
            ends_on=today,
            hours=6,
            rating_opens_at=timezone.now() - timedelta(hours=1),
            rating_closes_at=timezone.now() + timedelta(hours=2),
        )
        day = event.days.get()
        block = services.block_add(
            actor=organiser,
            membership=membership,
            day_id=day.pk,
            title="Мастерские",
            starts=starts,
            ends=ends,
        )
        tracks = {
            title: services.track_add(
                actor=organiser, membership=membership, block_id=block.pk, title=title, places=5
            ).pk
            for title in ("Целеполагание", "Тайм-менеджмент")
        }
        services.question_add(actor=organiser, membership=membership, day_id=day.pk, text="Что было полезно?")
        services.event_publish(actor=organiser, membership=membership, event_id=event.pk)
    return event, organiser, teacher, tracks


def test_a_teacher_rates_is_allocated_checks_in_reflects_and_gets_a_verifiable_certificate(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    event, organiser, teacher, tracks = _week(district)
    base = f"/events/{event.pk}"

    # --- the teacher registers and rates the workshops (nothing is pre-chosen) ---
    page = _page(browser, live_stack, teacher)
    page.goto(live_stack.url(CENTRE, f"{base}/"))
    press_on(page, "#register-form button")
    tab_to(page, "#rate-link")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{base}/rate/")
    assert page.locator("#rate-form input[type=radio]:checked").count() == 0
    assert_accessible(page, "the rating form")
    # Tab enters each track's radio group, the arrows choose in it.
    for track, score in (("Тайм-менеджмент", "5"), ("Целеполагание", "1")):
        tab_to(page, f"input[name=track-{tracks[track]}]")
        arrow_to(page, score)
        assert page.is_checked(f"input[name=track-{tracks[track]}][value='{score}']")
    tab_to(page, "#rate-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{base}/")

    # --- the organiser runs the allocation ---
    organiser_page = _page(browser, live_stack, organiser)
    organiser_page.goto(live_stack.url(CENTRE, f"{base}/allocation/"))
    press_on(organiser_page, "#allocate-form button")
    organiser_page.wait_for_url(f"**{base}/allocation/")
    assert "5" in organiser_page.inner_text(".satisfaction")

    # --- the teacher sees the schedule and checks in with the code on the organiser's screen ---
    page.reload()
    assert "Тайм-менеджмент" in page.inner_text("#schedule")
    assert_accessible(page, "the teacher's schedule with its check-in")
    organiser_page.goto(live_stack.url(CENTRE, f"{base}/tracks/{tracks['Тайм-менеджмент']}/attendance/"))
    code = organiser_page.inner_text("#checkin-code").strip()
    type_into(page, f"#code-{tracks['Тайм-менеджмент']}", code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#schedule .ok")
    with tenant_context(district.centre):
        assert Attendance.objects.filter(
            participant__user=teacher, track_id=tracks["Тайм-менеджмент"]
        ).exists()

    # --- the day's reflection ---
    press_on(page, "a.reflection-link")
    type_into(page, "#reflection-form textarea", "Научилась планировать неделю уроков")
    tab_to(page, "#reflection-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{base}/")
    with tenant_context(district.centre):
        assert (
            ReflectionAnswer.objects.get(participant__user=teacher).text
            == "Научилась планировать неделю уроков"
        )

    # --- the certificate, and its verification link ---
    tab_to(page, "#certificate-form button")
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    content = open(download_info.value.path(), "rb").read()  # noqa: SIM115 (Playwright's temp file)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())
    assert teacher.last_name in text and event.title in text
    path = re.search(r"/certificates/[0-9a-f-]{36}/", text)
    assert path is not None, text
    checker = browser.new_context(locale="ru-RU").new_page()  # anyone, not signed in
    checker.goto(live_stack.url(CENTRE, path.group(0)))
    assert checker.locator("[data-verdict=genuine]").count() == 1
    assert teacher.last_name in checker.inner_text("main")
