"""In real Chromium against the live stack: a school teacher books a tutor's video
consultation on the centre's site, gets the .ics, and the tutor sees it on the
calendar; a second teacher's open week view shows the slot taken without a reload."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import icalendar
import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from consultations import ics
from consultations.models import Booking, Offering, Slot
from tests.browser.test_keyboard_walk import arrow_to, press_on, sign_in_by_keyboard, tab_to, type_into
from tests.conftest import District, LiveStack, member
from tests.consultations.factories import OfferingFactory, SlotFactory
from tests.factories import SubjectFactory, unique

pytestmark = [pytest.mark.browser, pytest.mark.live]

CENTRE = "centre.localhost"


# With the base domain `localhost` the session cookie is host-only: sign in on the centre's host.
_sign_in = sign_in_by_keyboard


def _video_slot(district: District, *, days: int) -> Slot:
    """A new tutor of the centre with a video offering of a new subject and one free slot."""
    tutor = member(district.centre, Role.TUTOR, last_name="Тьюторова", first_name=unique("Анна")).user
    with tenant_context(district.centre):
        offering = OfferingFactory(
            tutor=tutor, subject=SubjectFactory(name=unique("Физика")), mode=Offering.Mode.VIDEO
        )
        starts = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        return SlotFactory(offering=offering, starts_at=starts, video_room=f"tutornet-{unique('room')}")


def _week_of(slot: Slot, district: District) -> str:
    return timezone.localtime(slot.starts_at, district.centre.zone).date().isoformat()


def test_a_teacher_books_a_video_slot_gets_the_ics_and_the_tutor_sees_the_question(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    slot = _video_slot(district, days=2)
    subject = slot.offering.subject
    tutor = slot.tutor
    teacher = member(district.school_a, Role.TEACHER, last_name="Учителева", first_name="Ольга").user
    question = f"Как готовить девятиклассников к ОГЭ? {unique('q')}"

    page = browser.new_context(locale="ru-RU").new_page()
    _sign_in(page, live_stack, CENTRE, teacher.email)
    # The centre's dashboard is open to a teacher of one of its schools, with the consultations card.
    press_on(page, "#consultations-card h3 a")
    # An empty current week opens the week of the next free time (…/consultations/?week=…).
    page.wait_for_url(re.compile(r".*/consultations/(\?.*)?$"))

    # Find the tutor by subject, then go to the slot's week. A pointer's choice sends the filter at
    # once; by keyboard the arrows only choose and Enter on the select sends it (static/js/tutornet.js).
    tab_to(page, "select[name=subject]")
    arrow_to(page, str(subject.pk))
    assert "subject=" not in page.url  # the arrows chose without reloading the page
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(f"select[name=tutor] option[value='{tutor.pk}']").count() == 1
    tab_to(page, "select[name=tutor]")
    arrow_to(page, str(tutor.pk))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"tutor={tutor.pk}" in page.url
    if page.locator(f"[data-slot-id='{slot.pk}']").count() == 0:  # the slot is in the next week
        press_on(page, "a[rel=next]")
    card = page.locator(f"[data-slot-id='{slot.pk}']")
    assert tutor.last_name in card.inner_text()

    press_on(page, f"[data-slot-id='{slot.pk}'] form.book button")
    type_into(page, "form#booking-form textarea[name=question]", question)
    press_on(page, "form#booking-form button[type=submit]")
    page.wait_for_url(live_stack.url(CENTRE, "/consultations/my/"))

    with tenant_context(district.centre):
        booking = Booking.objects.get(slot=slot, teacher=teacher)
        uid = ics.booking_uid(booking)
    assert booking.teacher_organisation_id == district.school_a.pk
    row = page.locator(f"#booking-{booking.pk}")
    assert question in row.inner_text()
    # Not yet time to join: the page says when the link appears.
    assert row.locator(".join-later").count() == 1 and row.locator("a.join").count() == 0

    href = row.locator("a.ics").get_attribute("href")
    assert href
    # Fetched by the page itself: Chromium resolves *.localhost, Playwright's own HTTP client does not.
    download = page.evaluate(
        """async href => {
            const response = await fetch(href);
            const type = response.headers.get("content-type");
            return {status: response.status, type: type, body: await response.text()};
        }""",
        href,
    )
    assert download["status"] == 200 and download["type"].startswith("text/calendar")
    [event] = icalendar.Calendar.from_ical(download["body"]).walk("VEVENT")
    assert str(event["UID"]) == uid
    assert event.decoded("DTSTART") == booking.starts_at

    tutor_page = browser.new_context(locale="ru-RU").new_page()
    _sign_in(tutor_page, live_stack, CENTRE, tutor.email)
    tutor_page.goto(live_stack.url(CENTRE, f"/consultations/calendar/?week={_week_of(slot, district)}"))
    entry = tutor_page.locator(f"#booking-{booking.pk}")
    text = entry.inner_text()
    assert question in text
    assert teacher.get_full_name() in text
    assert district.school_a.short_name in text


def test_a_slot_booked_by_one_teacher_shows_as_taken_on_anothers_open_week_view_within_a_second(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    slot = _video_slot(district, days=3)
    first = member(district.school_a, Role.TEACHER).user
    second = member(district.school_b, Role.TEACHER).user
    week_url = live_stack.url(
        CENTRE, f"/consultations/?week={_week_of(slot, district)}&tutor={slot.tutor_id}"
    )

    watcher = browser.new_context(locale="ru-RU").new_page()
    _sign_in(watcher, live_stack, CENTRE, second.email)
    watcher.goto(week_url)
    watcher.wait_for_selector(
        f"[data-slots-ws='/ws/slots/?tutor={slot.tutor_id}'][data-live='1']", state="attached"
    )
    watched = f"[data-slot-id='{slot.pk}']"
    assert watcher.get_attribute(watched, "data-free") == "1"
    assert watcher.is_enabled(f"{watched} form.book button")
    watcher.evaluate("window.__stillTheSamePage = true")

    booker = browser.new_context(locale="ru-RU").new_page()
    _sign_in(booker, live_stack, CENTRE, first.email)
    booker.goto(live_stack.url(CENTRE, f"/consultations/slots/{slot.pk}/book/"))
    type_into(booker, "textarea[name=question]", "Вопрос про рабочую программу")
    press_on(booker, "form#booking-form button[type=submit]")
    booker.wait_for_url(live_stack.url(CENTRE, "/consultations/my/"))
    booked_at = time.monotonic()

    watcher.wait_for_selector(f"{watched}.full", timeout=5_000)
    elapsed = time.monotonic() - booked_at
    assert elapsed <= 1.0, f"the slot showed as taken {elapsed:.2f}s after the booking"
    assert watcher.get_attribute(watched, "data-free") == "0"
    assert watcher.is_disabled(f"{watched} form.book button")
    assert watcher.is_visible(f"{watched} .taken")
    assert watcher.evaluate("window.__stillTheSamePage") is True
