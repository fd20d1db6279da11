"""The week views at 1366 × 768 in real Chromium (issue 14, "Layout and errors"): long Russian
words («индивидуальная», «профориентационное самоопределение») wrap only between words — never
«индивидуальна я» — while a long unbroken string (a URL as the place) still wraps inside its cell
instead of widening it. Measured in the rendered page: every word's characters lie on one line
(a DOM Range over the word has one line box), and no cell is wider inside than outside."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from tests.browser.test_keyboard_walk import sign_in_by_keyboard
from tests.conftest import District, LiveStack, member
from tests.consultations.factories import OfferingFactory, SlotFactory, book_slot
from tests.factories import SubjectFactory, unique

pytestmark = [pytest.mark.browser, pytest.mark.live]

CENTRE = "centre.localhost"
URL = "https://school.example.ru/konsultacionnyj-punkt/kabinet-dvenadcat/raspisanie-na-nedelyu-2026"
TOPIC = "индивидуальная консультация: профориентационное самоопределение старшеклассников"

# Words broken across two lines inside ``root``: a word is a run of letters/digits between
# spaces, hyphens, dashes and slashes (a break after a hyphen is a break between words).
# Text inside ``skip`` elements (a place that is a URL, a question: they may break anywhere) is
# left out; they must still stay inside their cells (OVERFLOWING).
BROKEN_WORDS = """([root, skip]) => {
  const broken = [];
  const range = document.createRange();
  for (const box of document.querySelectorAll(root)) {
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (skip && node.parentElement.closest(skip)) continue;
      const text = node.textContent, word = /[^\\s\\-‐–—\\/·:,.]+/g;
      for (let m = word.exec(text); m; m = word.exec(text)) {
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0)
          .map((r) => Math.round(r.bottom)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""
# Cells whose content is wider than the cell (it would be cut off or widen the grid).
OVERFLOWING = """(selector) => [...document.querySelectorAll(selector)]
  .filter((e) => e.scrollWidth > e.clientWidth + 1)
  .map((e) => `${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)"""


def _check(page: Any, cells: str, words: str) -> None:
    assert page.locator(words).count() >= 1, f"nothing rendered for {words} on {page.url}"
    assert page.evaluate(BROKEN_WORDS, [words, ".place, .question"]) == [], page.url
    assert page.evaluate(OVERFLOWING, cells) == [], page.url
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px window: {page.url}"


def test_week_views_at_1366_wrap_long_russian_words_only_between_words_and_still_wrap_urls(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    tutor = member(district.centre, Role.TUTOR, last_name="Константинопольская", first_name="Александра").user
    teacher = member(
        district.school_a, Role.TEACHER, last_name="Достопримечательнова", first_name="Елизавета"
    ).user
    # Next week's Monday, 09:00 in the centre's zone: every day of that week is bookable.
    today = timezone.localtime(timezone.now(), district.centre.zone)
    monday = today + timedelta(days=7 - today.weekday())
    starts = monday.replace(hour=9, minute=0, second=0, microsecond=0)
    with tenant_context(district.centre):
        # A space before the unique tail: "слово-12ab" cannot break before the digits.
        subject = SubjectFactory(name=f"Профориентация {unique('п')}")
        online = OfferingFactory(tutor=tutor, subject=subject, topic=TOPIC)
        on_site = OfferingFactory(tutor=tutor, subject=subject, topic=TOPIC, in_person=True, place=URL)
        group = OfferingFactory(tutor=tutor, subject=subject, topic=TOPIC, group=True)
        # Slots on every day of the week, so that every column is narrow and filled.
        slots = []
        for day in range(7):
            for hour, offering in enumerate((online, on_site, group)):
                at = starts + timedelta(days=day, hours=hour)
                slots.append(SlotFactory(offering=offering, starts_at=at))
        # The tutor's calendar shows booked ones: one per day.
        for slot in slots[::3]:
            book_slot(slot=slot, teacher=teacher, question=f"{TOPIC} {URL}")
    week = timezone.localtime(starts, district.centre.zone).date().isoformat()
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 768})

    # The teacher's week of free times.
    page = context.new_page()
    other = member(district.school_b, Role.TEACHER).user
    sign_in_by_keyboard(page, live_stack, CENTRE, other.email)
    page.goto(live_stack.url(CENTRE, f"/consultations/?week={week}&tutor={tutor.pk}"))
    assert page.locator("#week .slot").count() >= 14
    assert "индивидуальная" in page.locator("#week").inner_text()
    _check(page, "#week, #week .day, #week .slot", "#week .slot")
    context.close()

    # The tutor: the consultations they lead, and their own calendar's week.
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    sign_in_by_keyboard(page, live_stack, CENTRE, tutor.email)
    page.goto(live_stack.url(CENTRE, f"/consultations/calendar/?week={week}"))
    _check(page, ".calendar-day, .booking", ".booking .time, .booking .teacher")
    page.goto(live_stack.url(CENTRE, f"/my/calendar/?view=week&date={week}"))
    assert page.locator(".calendar .event").count() >= 7
    _check(page, ".calendar .calendar-day, .calendar .event", ".calendar .event")
    context.close()
