"""Keyboard only, more flows (issue 14, "Accessibility as a test"): a school administrator files a
Help Hour request with its document, and a teacher writes a case material in the rich-text editor
(Quill) and submits it to the district's moderation — with Tab, Shift+Tab, arrows, Space, Enter and
typing alone; every control reached shows its focus (``tab_to`` of test_keyboard_walk checks it)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from casebank.models import Material
from consultations.help_hour.models import HelpHourRequest, Status
from tests.browser.test_keyboard_walk import (
    FOCUS,
    arrow_to,
    choose_file,
    press_on,
    sign_in_by_keyboard,
    tab_to,
    type_into,
)
from tests.conftest import District, LiveStack, member
from tests.factories import SubjectFactory, unique

pytestmark = [pytest.mark.browser, pytest.mark.live]

SCHOOL1 = "school1.localhost"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
IS = "(s) => document.activeElement.matches(s)"


def _context(browser: Any) -> Any:
    return browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 768})


def test_a_school_administrator_files_a_help_hour_request_with_a_document_by_keyboard(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any, tmp_path: Path
) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, last_name="Завучева", first_name=unique("Нина")).user
    subject = SubjectFactory(name=unique("Химия"))
    description = f"Нужна помощь с рабочей программой {unique('k')}"
    document = tmp_path / "программа.pdf"
    document.write_bytes(PDF)
    page = _context(browser).new_page()
    sign_in_by_keyboard(page, live_stack, SCHOOL1, admin.email)
    # From the home page's Help Hour card to the new request, by keyboard.
    press_on(page, "#help-hour-card a[href$='/new/']")
    tab_to(page, "select[name=subject]")
    arrow_to(page, str(subject.pk))
    tab_to(page, "select[name=category]")
    arrow_to(page, "work_program")
    type_into(page, "textarea[name=description]", description)
    # The file input is reached by Tab (its focus visible) and Space opens its chooser; the
    # operating system's dialog is outside the page, Playwright answers it.
    choose_file(page, "input[name=document]", str(document))
    assert page.evaluate(IS, "input[name=document]")
    tab_to(page, "input[name='times-0-date']")
    # Chromium orders the date field's parts by its own UI language (dd.mm or mm/dd), not by
    # the page's locale: a future day whose day and month are the same number reads alike in both.
    day = next(
        d for d in (timezone.localdate() + timedelta(days=n) for n in range(2, 400)) if d.day == d.month
    )
    page.keyboard.type(day.strftime("%d%m%Y"))
    type_into(page, "input[name='times-0-starts']", "1400")
    type_into(page, "input[name='times-0-ends']", "1600")
    press_on(page, "#send")

    with tenant_context(district.centre):
        request = HelpHourRequest.objects.get(requester=admin)
    assert (request.status, request.subject_id, request.category) == (
        Status.SUBMITTED,
        subject.pk,
        "work_program",
    )
    assert request.description == description
    assert request.document_name == "программа.pdf"
    assert day.isoformat() in str(request.preferred_times)
    page.context.close()


def test_a_teacher_writes_a_material_in_the_editor_and_submits_it_for_moderation_by_keyboard(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    author = member(district.school_a, Role.TEACHER, last_name="Клавишева", first_name=unique("Вера")).user
    title = f"Кейс с клавиатуры {unique('m')}"
    page = _context(browser).new_page()
    sign_in_by_keyboard(page, live_stack, SCHOOL1, author.email)
    page.goto(live_stack.url(SCHOOL1, "/casebank/new/"))
    type_into(page, "input[name=title]", title)
    type_into(page, "textarea[name=abstract]", "Задачи с решениями.")
    # Quill's toolbar buttons come first, then the text area itself.
    tab_to(page, ".ql-toolbar button.ql-bold")
    type_into(page, ".ql-editor", "Разбираем ")
    page.keyboard.press("Control+b")
    page.keyboard.type("тригонометрические")
    page.keyboard.press("Control+b")
    page.keyboard.type(" уравнения.")
    # Tab leaves the editor (no keyboard trap) and reaches the next field.
    page.keyboard.press("Tab")
    assert not page.evaluate(IS, ".ql-editor"), "Tab stays inside the editor"
    focus = page.evaluate(FOCUS)
    assert focus["outline"] or focus["shadow"]
    type_into(page, "input[name=topics]", "тригонометрия")
    tab_to(page, "input[name=grades][value='10']")
    page.keyboard.press("Space")
    press_on(page, "#material-form button[type=submit]")
    press_on(page, "form.submit-district button")

    with tenant_context(district.school_a):
        material = Material.objects.get(title=title)
    assert material.district_copy_id
    assert "<strong>тригонометрические</strong>" in material.body
    assert 10 in material.grades
    page.context.close()
