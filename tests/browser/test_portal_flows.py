"""In real Chromium against the live stack: one platform from the school portal (booking a
municipal tutor without the centre's address), the author sees the district copy published, a
confirmation dialog, a phone-size walk of the teacher's main flow and the same walk at 1366 px,
keyboard focus, and axe-core
on the pages the link walk (test_walk_every_page.py) does not reach."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from casebank import services as casebank_services
from consultations.models import Booking, Offering, Slot
from consultations.services import booking_create
from tests.browser.test_keyboard_walk import press_on, sign_in_by_keyboard, tab_to, type_into
from tests.conftest import District, LiveStack, member
from tests.consultations.factories import OfferingFactory, SlotFactory
from tests.events.helpers import week
from tests.factories import PASSWORD, SubjectFactory, unique

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.live]

SCHOOL, CENTRE = "school1.localhost", "centre.localhost"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _context(browser: Any, **options: Any) -> Any:
    return browser.new_context(locale="ru-RU", bypass_csp=True, **options)


_sign_in = sign_in_by_keyboard


def _sign_in_by_touch(page: Any, stack: LiveStack, host: str, email: str) -> None:
    page.goto(stack.url(host, "/accounts/login/"))
    page.tap("input[name=username]")
    page.keyboard.type(email)  # the phone's on-screen keyboard
    page.tap("input[name=password]")
    page.keyboard.type(PASSWORD)
    page.tap("form.stack button[type=submit]")
    page.wait_for_url(stack.url(host, "/"))


def _slot(district: District, *, days: float, tutor: Any = None, **fields: Any) -> Slot:
    tutor = (
        tutor
        or member(district.centre, Role.TUTOR, last_name="Муниципальная", first_name=unique("Анна")).user
    )
    with tenant_context(district.centre):
        offering = OfferingFactory(tutor=tutor, subject=SubjectFactory(name=unique("Химия")), **fields)
        starts = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        return SlotFactory(offering=offering, starts_at=starts)


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.evaluate("() => window.innerWidth")
    assert width <= viewport + 1, f"{page.url}: {width}px wide in a {viewport}px window"


def test_a_school_teacher_books_a_municipal_tutor_from_the_school_portal_without_the_centres_address(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    with tenant_context(district.school_a):
        # Committed tests that ran earlier may have left school 1 offerings of its own; this flow is
        # about a school without tutors, so close them (the page then leads to the centre's).
        for offering in Offering.objects.filter(is_active=True):
            offering.is_active = False
            offering.save(update_fields=["is_active"])
        assert not Offering.objects.filter(is_active=True).exists()
    slot = _slot(district, days=3, mode=Offering.Mode.IN_PERSON, place="ул. Ленина, 1")
    teacher = member(district.school_a, Role.TEACHER, last_name="Школьная", first_name="Вера").user
    question = f"Как вести проектную работу? {unique('q')}"

    page = _context(browser).new_page()
    _sign_in(page, live_stack, SCHOOL, teacher.email)  # the only address she types
    assert_accessible(page, "school dashboard")
    tab_to(page, "#section-nav a[data-section=consultations]")  # the hop, by keyboard too
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"http://centre\.localhost:\d+/consultations/.*"))
    assert_accessible(page, "centre week view")
    week = timezone.localtime(slot.starts_at, district.centre.zone).date().isoformat()
    page.goto(live_stack.url(CENTRE, f"/consultations/?week={week}&tutor={slot.tutor_id}"))
    press_on(page, f"article[data-slot-id='{slot.pk}'] form.book button")
    assert re.search(rf"/consultations/slots/{slot.pk}/book/\??$", page.url)
    assert_accessible(page, "booking form")
    type_into(page, "textarea[name=question]", question)
    press_on(page, "#booking-form button[type=submit]:not([name])")
    with tenant_context(district.centre):
        assert Booking.objects.filter(slot=slot, teacher=teacher, status=Booking.Status.CONFIRMED).exists()

    # Back on the school portal (same browser, no second sign-in): «Мои записи» lists it.
    page.goto(live_stack.url(SCHOOL, "/consultations/my/"))
    assert question in page.locator(".district-bookings").inner_text()
    assert_accessible(page, "school's my bookings")
    page.goto(live_stack.url(SCHOOL, "/my/calendar/?date=" + week))
    assert slot.offering.subject.name in page.locator(".calendar").inner_text()
    assert_accessible(page, "my calendar")


def test_the_author_sees_the_material_published_in_the_district(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    author = member(district.school_a, Role.TEACHER, last_name="Авторская").user
    methodologist = member(district.centre, Role.METHODOLOGIST).user
    title = f"Кейс для района {unique('m')}"
    with tenant_context(district.school_a):
        own = casebank_services.material_create(actor=author, title=title, body="<p>Текст</p>")
        copy = casebank_services.material_submit(material=own, actor=author)
    with tenant_context(district.centre):
        casebank_services.material_publish(material=copy, actor=methodologist)

    page = _context(browser).new_page()
    _sign_in(page, live_stack, SCHOOL, author.email)
    page.goto(live_stack.url(SCHOOL, "/casebank/mine/"))
    card = page.locator(f"li[data-material-id='{own.pk}']")
    assert "Банк района: Опубликован" in card.inner_text()
    assert_accessible(page, "my materials")
    tab_to(page, f"li[data-material-id='{own.pk}'] h3 a")  # by keyboard, focus visible
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/casebank/materials/{own.pk}/")
    assert "Опубликован в банке района" in page.locator(".published-in-district").inner_text()
    assert_accessible(page, "the author's material page")
    press_on(page, ".published-in-district a")
    assert page.url.startswith(live_stack.url(CENTRE, f"/casebank/materials/{copy.pk}/"))
    assert title in page.locator("h1").inner_text()

    # The editor: Quill for the text, Tom Select for the subjects; axe-clean; the text is saved.
    page.goto(live_stack.url(SCHOOL, "/casebank/new/"))
    page.wait_for_selector(".ql-editor")
    assert_accessible(page, "the material editor")
    type_into(page, "input[name=title]", f"Черновик {unique('d')}")
    type_into(page, ".ql-editor", "Первый абзац из редактора")
    press_on(page, "#material-form button[type=submit]")
    assert "Первый абзац из редактора" in page.locator(".material-body").inner_text()


def test_cancelling_asks_in_a_dialog_and_passes_the_reason_to_the_tutor(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    slot = _slot(district, days=4)
    teacher = member(district.school_a, Role.TEACHER).user
    with tenant_context(district.centre):
        booking = booking_create(
            slot_id=slot.pk, teacher=teacher, teacher_organisation=district.school_a, question="Вопрос"
        )
    page = _context(browser).new_page()
    _sign_in(page, live_stack, CENTRE, teacher.email)
    page.goto(live_stack.url(CENTRE, "/consultations/my/"))
    # By keyboard alone (focus visible at every stop): Enter opens the dialog, «Оставить» keeps the
    # booking and gives the focus back to «Отменить»; Enter again, the reason, Tab, Enter.
    cancel = f"#booking-{booking.pk} form.cancel button"
    tab_to(page, cancel)
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.confirm-dialog[open]")
    assert "Отменить консультацию?" in dialog.inner_text()
    assert "тьютор" in dialog.inner_text()
    assert_accessible(page, "the confirmation dialog")
    tab_to(page, "dialog.confirm-dialog[open] button.secondary")  # «Оставить»
    page.keyboard.press("Enter")
    page.wait_for_selector("dialog.confirm-dialog", state="detached")
    with tenant_context(district.centre):
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED

    tab_to(page, cancel)  # the focus came back to it
    page.keyboard.press("Enter")
    tab_to(page, "dialog.confirm-dialog[open] textarea")  # the dialog opens on the reason
    page.keyboard.type("Заболела")
    press_on(page, "dialog.confirm-dialog[open] button.danger")
    with tenant_context(district.centre):
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED and booking.cancel_reason == "Заболела"


def _walk(district: District, last_name: str) -> tuple[Any, Slot, Slot, Any]:
    """The walk's people and times: (tutor, a free slot, a slot booked with a 300-character word, teacher)."""
    tutor = member(district.centre, Role.TUTOR, last_name=last_name).user
    slot = _slot(district, days=5, tutor=tutor)
    long_question = "Вопрос" + "щ" * 300  # one 300-character word
    other = member(district.school_b, Role.TEACHER).user
    busy = _slot(district, days=6, tutor=tutor)
    with tenant_context(district.centre):
        booking_create(
            slot_id=busy.pk, teacher=other, teacher_organisation=district.school_b, question=long_question
        )
    return tutor, slot, busy, member(district.school_a, Role.TEACHER, last_name="Мобильная").user


def test_a_phone_walk_of_the_teachers_main_flow_with_the_menu(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    tutor, slot, busy, teacher = _walk(district, "Телефонова")

    page = _context(browser, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    _sign_in_by_touch(page, live_stack, SCHOOL, teacher.email)
    _no_horizontal_scroll(page)
    assert not page.locator("#section-nav").is_visible()
    page.tap(".menu-toggle")
    assert page.locator("#section-nav").is_visible()
    assert page.get_attribute(".menu-toggle", "aria-expanded") == "true"
    page.tap("#section-nav a[data-section=consultations]")
    page.wait_for_url(re.compile(r"http://centre\.localhost:\d+/consultations/.*"))
    week = timezone.localtime(slot.starts_at, district.centre.zone).date().isoformat()
    page.goto(live_stack.url(CENTRE, f"/consultations/?week={week}&tutor={tutor.pk}"))
    _no_horizontal_scroll(page)
    page.tap(f"article[data-slot-id='{slot.pk}'] form.book button")
    page.wait_for_url(re.compile(rf".*/consultations/slots/{slot.pk}/book/\??$"))
    page.tap("textarea[name=question]")
    page.keyboard.type("Вопрос с телефона")
    with page.expect_navigation():
        page.tap("#booking-form button[type=submit]")
    _no_horizontal_scroll(page)
    assert "Вопрос с телефона" in page.content()
    assert_accessible(page, "my bookings on a phone")

    # The tutor's calendar with a 300-character word stays a phone's width.
    tutor_page = _context(browser, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    _sign_in_by_touch(tutor_page, live_stack, CENTRE, tutor.email)
    busy_week = timezone.localtime(busy.starts_at, district.centre.zone).date().isoformat()
    tutor_page.goto(live_stack.url(CENTRE, f"/consultations/calendar/?week={busy_week}"))
    assert "щщщщщ" in tutor_page.content()
    _no_horizontal_scroll(tutor_page)
    tutor_page.goto(live_stack.url(CENTRE, f"/my/calendar/?date={busy_week}"))
    _no_horizontal_scroll(tutor_page)


def test_the_same_walk_at_1366_px_has_no_horizontal_scroll_and_no_serious_violation(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    tutor, slot, busy, teacher = _walk(district, "Настольная")
    page = _context(browser, viewport=DESKTOP).new_page()

    def check(label: str) -> None:
        _no_horizontal_scroll(page)
        assert_accessible(page, f"{label} at 1366 px")

    _sign_in(page, live_stack, SCHOOL, teacher.email)
    assert page.locator("#section-nav").is_visible()  # the header's sections, not the phone's menu
    check("the school dashboard")
    tab_to(page, "#section-nav a[data-section=consultations]")  # the hop, by keyboard too
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"http://centre\.localhost:\d+/consultations/.*"))
    week = timezone.localtime(slot.starts_at, district.centre.zone).date().isoformat()
    page.goto(live_stack.url(CENTRE, f"/consultations/?week={week}&tutor={tutor.pk}"))
    check("the week of slots")
    press_on(page, f"article[data-slot-id='{slot.pk}'] form.book button")
    assert re.search(rf"/consultations/slots/{slot.pk}/book/\??$", page.url)
    check("the booking form")
    type_into(page, "textarea[name=question]", "Вопрос с ноутбука")
    press_on(page, "#booking-form button[type=submit]:not([name])")
    assert "Вопрос с ноутбука" in page.content()
    check("my bookings")

    page = _context(browser, viewport=DESKTOP).new_page()
    _sign_in(page, live_stack, CENTRE, tutor.email)
    busy_week = timezone.localtime(busy.starts_at, district.centre.zone).date().isoformat()
    page.goto(live_stack.url(CENTRE, f"/consultations/calendar/?week={busy_week}"))
    assert "щщщщщ" in page.content()
    check("the tutor's week with a 300-character word")
    page.goto(live_stack.url(CENTRE, f"/my/calendar/?date={busy_week}"))
    check("the tutor's own calendar")


def test_the_keyboard_reaches_the_content_with_a_visible_focus(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    page = _context(browser).new_page()
    _sign_in(page, live_stack, SCHOOL, teacher.email)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " const r = e.getBoundingClientRect();"
        " return {cls: e.className, outline: s.outlineStyle, width: s.outlineWidth, left: r.left}; }"
    )
    assert focused["cls"] == "skip-link" and focused["outline"] != "none" and focused["left"] >= 0
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")


HH = "/consultations/help-hour"
# The pages each role reaches by links are walked in test_walk_every_page.py; here only those its
# walks do not reach by a link (typed addresses, or no link from that role's pages).
ROLE_PAGES = {
    Role.TUTOR: (CENTRE, []),
    Role.METHODOLOGIST: (CENTRE, [f"{HH}/centre/schedule/"]),
}  # fmt: skip


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_the_pages_the_walk_does_not_reach_by_links_have_no_serious_accessibility_violation(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any, role: str
) -> None:
    host, paths = ROLE_PAGES[role]
    membership = member(district.centre if host == CENTRE else district.school_a, role)
    person = membership.user
    extra: list[str] = []
    if role == Role.TUTOR:
        extra.append(f"/tutors/{person.pk}/")  # the profile a teacher opens before booking
    if role == Role.METHODOLOGIST:
        with tenant_context(district.centre):
            event, _blocks, _tracks = week(membership, publish=False)
        extra.append(f"/events/{event.pk}/")  # an event with its blocks and tracks, as its organiser sees it
    page = _context(browser).new_page()
    _sign_in(page, live_stack, host, person.email)
    for path in [*paths, *extra]:
        response = page.goto(live_stack.url(host, path))
        assert response.status == 200, path  # reached, not refused
        assert page.locator("main").count() == 1, path
        assert_accessible(page, f"{role} {path}")
