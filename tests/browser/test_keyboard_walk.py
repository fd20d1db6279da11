"""Keyboard only, in real Chromium (issue 14, "Accessibility as a test"): a teacher signs in and
books a municipal tutor, and the tutor files the consultation's outcome («Отметить как
проведённую»), with Tab, Enter, Space and typing alone; every control reached shows its focus."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from accounts.models import Role
from consultations.models import Booking
from tests.conftest import District, LiveStack, member
from tests.consultations.factories import OfferingFactory, SlotFactory, book_slot
from tests.factories import PASSWORD, SubjectFactory, unique

pytestmark = [pytest.mark.browser, pytest.mark.live]

CENTRE = "centre.localhost"
# A tag field (Tom Select) shows the focus of its search input on the whole field around it.
FOCUS = """() => { let e = document.activeElement; const w = e.closest('.ts-wrapper');
  if (w) { e = w.querySelector('.ts-control'); } const s = getComputedStyle(e);
  return {outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
          shadow: s.boxShadow !== 'none'}; }"""


def tab_to(page: Any, selector: str, *, limit: int = 600, backwards: bool = False) -> None:
    """Press Tab until ``selector`` has the focus; then its focus must be visible.

    The limit is generous: in the whole suite a school holds every person the earlier live tests
    committed, and a page may list them with a link or a button each. (Lists of people to choose
    are tag fields, portal.widgets.TagSelect: one Tab stop.)"""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            focus = page.evaluate(FOCUS)
            assert focus["outline"] or focus["shadow"], f"no visible focus on {selector}"
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def arrow_to(page: Any, value: str, *, limit: int = 400) -> None:
    """In the focused (closed) select or radio group, arrows until ``value`` is chosen: ArrowDown,
    and ArrowUp once the last option is passed."""
    # In a select, as many arrows as options lie between the chosen one and ``value`` (one key
    # press each, without asking the page at each: a list of hundreds of subjects stays quick).
    steps = page.evaluate(
        "(v) => { const e = document.activeElement; if (e.tagName !== 'SELECT') return null;"
        " const i = Array.from(e.options).findIndex(o => o.value === v);"
        " return i < 0 ? null : i - e.selectedIndex; }",
        value,
    )
    for _ in range(abs(steps or 0)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    key, now = "ArrowDown", page.evaluate("() => document.activeElement.value")
    for _ in range(limit):
        if now == value:
            return
        page.keyboard.press(key)
        before, now = now, page.evaluate("() => document.activeElement.value")
        if now == before:
            key = "ArrowUp"
    raise AssertionError(f"the select never reached {value}")


def choose_tag(page: Any, field_id: str, text: str, value: str) -> None:
    """In a tag field (portal.widgets.TagSelect) reached by Tab: type ``text`` into its search,
    which must leave the option ``value`` as the only match; Enter makes it a tag."""
    tab_to(page, f"#{field_id}-ts-control")
    page.keyboard.type(text)
    matches = page.locator(f"#{field_id}-ts-dropdown .option")
    page.wait_for_function(
        "([id, v]) => { const o = document.querySelectorAll(`#${id}-ts-dropdown .option`);"
        " return o.length === 1 && o[0].dataset.value === v; }",
        arg=[field_id, value],
    )
    assert matches.count() == 1
    page.keyboard.press("Enter")
    assert page.evaluate(
        "([id, v]) => document.querySelector(`#${id} option[value='${v}']`).selected", [field_id, value]
    ), f"{text} was not chosen in #{field_id}"


def _type_in_either_order(page: Any, selector: str, first: str, second: str, wanted: str) -> None:
    """Tab to the date or time field ``selector`` and type ``first``; if the field does not then
    hold ``wanted``, back out of it (Shift+Tab), Tab in again and type ``second`` over it."""
    tab_to(page, selector)
    page.keyboard.type(first)
    value = "(s) => document.querySelector(s).value"
    if page.evaluate(value, selector) == wanted:
        return
    for _ in range(5):
        if not page.evaluate("(s) => document.activeElement.matches(s)", selector):
            break
        page.keyboard.press("Shift+Tab")
    tab_to(page, selector)
    page.keyboard.type(second)
    assert page.evaluate(value, selector) == wanted, f"{selector} holds {page.evaluate(value, selector)}"


def type_date(page: Any, selector: str, day: date) -> None:
    """Type ``day`` into a date field by keyboard. Chromium orders the field's parts by its own UI
    language (dd.mm.yyyy or mm/dd/yyyy), not by the page's locale: the day first, else the month."""
    _type_in_either_order(page, selector, day.strftime("%d%m%Y"), day.strftime("%m%d%Y"), day.isoformat())


def type_time(page: Any, selector: str, at: time) -> None:
    """Type ``at`` into a time field by keyboard: 24-hour, else (a 12-hour UI language) with AM/PM."""
    twelve = at.strftime("%I%M") + ("P" if at.hour >= 12 else "A")
    _type_in_either_order(page, selector, at.strftime("%H%M"), twelve, at.strftime("%H:%M"))


def type_datetime(page: Any, selector: str, at: datetime) -> None:
    """Type ``at`` into a datetime-local field by keyboard: the date (day or month first, as
    type_date), Tab to the time part inside the field, the time (24-hour, else with AM/PM)."""
    wanted = at.strftime("%Y-%m-%dT%H:%M")
    twelve = at.strftime("%I%M") + ("P" if at.hour >= 12 else "A")
    value = "(s) => document.querySelector(s).value"
    for day in (at.strftime("%d%m%Y"), at.strftime("%m%d%Y")):
        for clock in (at.strftime("%H%M"), twelve):
            tab_to(page, selector)
            page.keyboard.type(day)
            page.keyboard.press("Tab")  # from the year to the hour, still inside the field
            page.keyboard.type(clock)
            if page.evaluate(value, selector) == wanted:
                page.keyboard.press("Tab")
                return
            for _ in range(8):  # back out of the field's parts, to Tab in again
                if not page.evaluate("(s) => document.activeElement.matches(s)", selector):
                    break
                page.keyboard.press("Shift+Tab")
    raise AssertionError(f"{selector} holds {page.evaluate(value, selector)}, not {wanted}")


def retype_into(page: Any, selector: str, text: str) -> None:
    """Tab to the field ``selector``, select what it holds (Ctrl+A) and type ``text`` over it."""
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose_file(page: Any, selector: str, path: str) -> None:
    """Tab to the file input ``selector`` (its focus visible) and open its chooser with Space,
    as a keyboard user does; the chooser (outside the page) is answered with ``path``."""
    tab_to(page, selector)
    # Chromium now and then drops the first Space on a file input (seen once in CI after a fast
    # run of typing): the key is pressed again, on the same focused input, up to three times.
    for attempt in range(3):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Space")
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            assert page.evaluate("(s) => document.activeElement.matches(s)", selector), selector
    chooser.value.set_files(path)


def press_on(page: Any, selector: str, key: str = "Enter") -> None:
    """Tab to ``selector`` (its focus visible) and press ``key`` on it, following the navigation."""
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press(key)


def type_into(page: Any, selector: str, text: str) -> None:
    """Tab to the field ``selector`` (its focus visible) and type ``text``."""
    tab_to(page, selector)
    page.keyboard.type(text)


def sign_in_by_keyboard(page: Any, stack: LiveStack, host: str, email: str) -> None:
    page.goto(stack.url(host, "/accounts/login/"))
    type_into(page, "input[name=username]", email)
    type_into(page, "input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_teacher_books_and_the_tutor_files_the_outcome_with_the_keyboard_alone(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    tutor = member(district.centre, Role.TUTOR, last_name="Клавиатурная", first_name=unique("Анна")).user
    teacher = member(district.school_a, Role.TEACHER).user
    with tenant_context(district.centre):
        offering = OfferingFactory(tutor=tutor, subject=SubjectFactory(name=unique("Физика")))
        starts = (timezone.now() + timedelta(days=4)).replace(minute=0, second=0, microsecond=0)
        slot = SlotFactory(offering=offering, starts_at=starts)
        earlier = SlotFactory(offering=offering, starts_at=timezone.now() - timedelta(hours=3))
        past = book_slot(slot=earlier, teacher=member(district.school_b, Role.TEACHER).user)
    context = browser.new_context(locale="ru-RU", bypass_csp=True, viewport={"width": 1366, "height": 768})

    # The teacher: sign in, open the tutor's week, «Записаться», the question, «Записаться».
    page = context.new_page()
    sign_in_by_keyboard(page, live_stack, CENTRE, teacher.email)
    week = timezone.localtime(slot.starts_at, district.centre.zone).date().isoformat()
    page.goto(live_stack.url(CENTRE, f"/consultations/?week={week}&tutor={tutor.pk}"))
    press_on(page, f"article[data-slot-id='{slot.pk}'] form.book button")
    assert re.search(rf"/consultations/slots/{slot.pk}/book/", page.url)
    type_into(page, "textarea[name=question]", "Как разобрать с классом задачу на импульс?")
    press_on(page, "#booking-form button[type=submit]:not([name])", "Space")
    with tenant_context(district.centre):
        booking = Booking.objects.get(slot=slot, teacher=teacher)
    assert booking.question == "Как разобрать с классом задачу на импульс?"

    # The tutor: the week of the past consultation, «Проведена», an outcome, «Сохранить».
    context.close()
    context = browser.new_context(locale="ru-RU", bypass_csp=True, viewport={"width": 1366, "height": 768})
    tutor_page = context.new_page()
    sign_in_by_keyboard(tutor_page, live_stack, CENTRE, tutor.email)
    past_week = timezone.localtime(past.starts_at, district.centre.zone).date().isoformat()
    tutor_page.goto(live_stack.url(CENTRE, f"/consultations/calendar/?week={past_week}"))
    row = f"#booking-{past.pk}"
    tab_to(tutor_page, f"{row} select[name='m{past.pk}-status']")
    tutor_page.keyboard.press("ArrowDown")  # «Не пришёл»
    tutor_page.keyboard.press("ArrowUp")  # back to «Проведена»
    type_into(tutor_page, f"{row} textarea[name='m{past.pk}-outcome_note']", "Разобрали задачи на импульс")
    tab_to(tutor_page, f"{row} form.mark button[type=submit]")
    tutor_page.keyboard.press("Enter")
    # In place (static/js/consultations_mark.js): the row's status changes, the page stays.
    tutor_page.wait_for_selector(f"{row} .status.status-held")
    assert tutor_page.locator(f"{row} .mark-result").inner_text().strip() != ""
    with tenant_context(district.centre):
        past.refresh_from_db()
    assert (past.status, past.outcome_note) == (Booking.Status.HELD, "Разобрали задачи на импульс")
    context.close()
