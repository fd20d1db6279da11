"""In real Chromium, with the keyboard alone (Tab, Shift+Tab, arrows, Enter and typing; every
control reached shows its focus, ``tab_to``): a school admin invites a teacher; the teacher joins
from the e-mailed link and sees a notification arrive live when the admin changes their role."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.models import Invitation, Membership, Role
from tests.browser.axe import assert_accessible
from tests.browser.test_keyboard_walk import (
    arrow_to,
    choose_tag,
    press_on,
    sign_in_by_keyboard,
    tab_to,
    type_into,
)
from tests.conftest import District, LiveStack, member
from tests.factories import SubjectFactory, unique

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_school_admin_invites_a_teacher_who_joins_and_sees_a_live_notification(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    host = "school1.localhost"
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher_email = f"{unique('teacher')}@example.org"
    subject, _other = SubjectFactory(name=unique("Астрономия")), SubjectFactory(name=unique("Астрономия"))

    admin_page = browser.new_context(locale="ru-RU").new_page()
    sign_in_by_keyboard(admin_page, live_stack, host, admin.email)
    admin_page.wait_for_url(live_stack.url(host, "/"))
    admin_page.goto(live_stack.url(host, "/staff/"))
    # The invitation form is near the page's end, after every member (two stops each): Shift+Tab
    # from the end comes to it through the CSV form and the subjects' tag field.
    tab_to(admin_page, "#invite-form select[name=role]", backwards=True)
    assert admin_page.evaluate("() => document.activeElement.value") == Role.TEACHER.value
    tab_to(admin_page, "#invite-form input[name=email]", backwards=True)
    admin_page.keyboard.type(teacher_email)
    type_into(admin_page, "#invite-form input[name=last_name]", "Абакумова")
    type_into(admin_page, "#invite-form input[name=first_name]", "Ольга")
    # The subjects: a tag field searched by typing (issue 14), the only match chosen by Enter.
    offered = "() => Object.keys(document.querySelector('#id_subjects').tomselect.options).length"
    assert admin_page.evaluate(offered) >= 2  # the search below leaves one of them
    choose_tag(admin_page, "id_subjects", subject.name[-6:], str(subject.pk))
    assert admin_page.locator("#invite-form .ts-control .item").inner_text().startswith(subject.name)
    press_on(admin_page, "#invite-form button[type=submit]")
    assert teacher_email in admin_page.content()
    assert list(Invitation.objects.get(email=teacher_email).subjects.all()) == [subject]

    mail = live_stack.mailbox.wait_for(lambda m: teacher_email in (m["To"] or ""))
    body = mail.get_payload(decode=True).decode()
    link = re.search(r"http://school1\.localhost:\d+/invite/[\w-]+/", body)
    assert link, body

    teacher_page = browser.new_context(locale="ru-RU").new_page()
    teacher_page.goto(link.group(0))
    assert "Присоединиться" in teacher_page.content() or "Join" in teacher_page.content()
    assert_accessible(teacher_page, "the invitation page")
    type_into(teacher_page, "input[name=patronymic]", "Игоревна")
    type_into(teacher_page, "input[name=password1]", "Vesna-2026-uchitel")
    type_into(teacher_page, "input[name=password2]", "Vesna-2026-uchitel")
    tab_to(teacher_page, "form.stack button[type=submit]")
    teacher_page.keyboard.press("Enter")
    teacher_page.wait_for_url(live_stack.url(host, "/"))
    assert "МБОУ «Средняя школа № 1»" in teacher_page.content()

    # The bell's WebSocket is open; mark the page so a reload would show.
    teacher_page.wait_for_selector(".bell[data-live='1']", timeout=10_000)
    teacher_page.evaluate("window.__stillTheSamePage = true")
    badge = teacher_page.locator(".bell [data-unread]")
    before = int(badge.text_content() or 0)

    # The admin changes the new teacher's role: the teacher is notified.
    membership = Membership.objects.get(user__email=teacher_email, organisation=district.school_a)
    admin_page.goto(live_stack.url(host, "/staff/"))
    # Members are listed by surname: «Абакумова» comes first, a few Tab stops from the header.
    press_on(admin_page, f"a[href='/staff/{membership.pk}/']")
    tab_to(admin_page, "main form.stack select[name=role]")
    arrow_to(admin_page, Role.TUTOR.value)
    press_on(admin_page, "main form.stack button[type=submit]")

    teacher_page.wait_for_function(
        "n => Number(document.querySelector('.bell [data-unread]').textContent || 0) > n",
        arg=before,
        timeout=10_000,
    )
    assert teacher_page.evaluate("window.__stillTheSamePage") is True
    membership.refresh_from_db()
    assert membership.role == Role.TUTOR
