"""In real Chromium: a school admin invites a teacher; the teacher joins from
the e-mailed link and sees a notification arrive live."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.models import Membership, Role
from tests.conftest import District, LiveStack, member
from tests.factories import PASSWORD, unique

pytestmark = [pytest.mark.browser, pytest.mark.live]


def _sign_in(page: Any, stack: LiveStack, host: str, email: str, password: str) -> None:
    page.goto(stack.url(host, "/accounts/login/"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(stack.url(host, "/"))


def test_school_admin_invites_a_teacher_who_joins_and_sees_a_live_notification(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    host = "school1.localhost"
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher_email = f"{unique('teacher')}@example.org"

    admin_page = browser.new_context(locale="ru-RU").new_page()
    _sign_in(admin_page, live_stack, host, admin.email, PASSWORD)
    admin_page.goto(live_stack.url(host, "/staff/"))
    invite = admin_page.locator("form#invite-form")
    invite.locator("input[name=email]").fill(teacher_email)
    invite.locator("input[name=last_name]").fill("Васильева")
    invite.locator("input[name=first_name]").fill("Ольга")
    invite.locator("select[name=role]").select_option(Role.TEACHER.value)
    invite.locator("button[type=submit]").click()
    admin_page.wait_for_load_state()
    assert teacher_email in admin_page.content()

    mail = live_stack.mailbox.wait_for(lambda m: teacher_email in (m["To"] or ""))
    body = mail.get_payload(decode=True).decode()
    link = re.search(r"http://school1\.localhost:\d+/invite/[\w-]+/", body)
    assert link, body

    teacher_page = browser.new_context(locale="ru-RU").new_page()
    teacher_page.goto(link.group(0))
    assert "Присоединиться" in teacher_page.content() or "Join" in teacher_page.content()
    teacher_page.fill("input[name=patronymic]", "Игоревна")
    teacher_page.fill("input[name=password1]", "Vesna-2026-uchitel")
    teacher_page.fill("input[name=password2]", "Vesna-2026-uchitel")
    teacher_page.click("form.stack button[type=submit]")
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
    admin_page.click(f"a[href='/staff/{membership.pk}/']")
    admin_page.locator("main form.stack select[name=role]").select_option(Role.TUTOR.value)
    admin_page.click("main form.stack button[type=submit]")
    admin_page.wait_for_load_state()

    teacher_page.wait_for_function(
        "n => Number(document.querySelector('.bell [data-unread]').textContent || 0) > n",
        arg=before,
        timeout=10_000,
    )
    assert teacher_page.evaluate("window.__stillTheSamePage") is True
    membership.refresh_from_db()
    assert membership.role == Role.TUTOR
