"""In real Chromium against the live stack, the Methodological Help Hour end to end: a teacher of
school 1 files a request with a PDF on the school's site; a methodologist accepts it on the centre's
site and schedules it as a video session starting in ten minutes; the participating teachers see the
join link (inside the VIDEO_JOIN_OPENS_MINUTES window); the tutor marks it held, records the outcome
with a returned file and closes it; the school sees it closed with the outcome.  And before the window
the page says when the link appears instead of showing it.

With the base domain `localhost` the session cookie is host-only, so everyone signs in on each host
they use."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from consultations.help_hour import services
from consultations.help_hour.models import HelpHourRequest, HelpHourSession, Status
from tests.browser.axe import assert_accessible
from tests.browser.test_keyboard_walk import (
    arrow_to,
    choose_file,
    choose_tag,
    press_on,
    sign_in_by_keyboard,
    tab_to,
    type_date,
    type_into,
    type_time,
)
from tests.conftest import District, LiveStack, member
from tests.factories import SubjectFactory, unique

pytestmark = [pytest.mark.browser, pytest.mark.live]

CENTRE = "centre.localhost"
SCHOOL1 = "school1.localhost"
BASE = "/consultations/help-hour"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _page(browser: Any, stack: LiveStack, host: str, user: User) -> Any:
    page = browser.new_context(locale="ru-RU").new_page()
    sign_in_by_keyboard(page, stack, host, user.email)
    return page


def _people(district: District) -> dict[str, User]:
    return {
        "teacher": member(
            district.school_a, Role.TEACHER, last_name="Заявкина", first_name=unique("Ольга")
        ).user,
        "colleague": member(
            district.school_a, Role.TEACHER, last_name="Коллегова", first_name=unique("Ирина")
        ).user,
        "methodologist": member(district.centre, Role.METHODOLOGIST, last_name="Методистова").user,
        "tutor": member(district.centre, Role.TUTOR, last_name="Тьюторов", first_name=unique("Пётр")).user,
    }


def _local(value: datetime, district: District) -> datetime:
    return timezone.localtime(value, district.centre.zone)


def test_a_school_files_a_request_the_centre_schedules_a_video_session_and_the_tutor_closes_it(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any, tmp_path: Path
) -> None:
    people = _people(district)
    subject = SubjectFactory(name=unique("Химия"))
    description = f"Не получается рабочая программа по химии {unique('d')}"
    document = tmp_path / "рабочая-программа.pdf"
    document.write_bytes(PDF)

    # --- the teacher files the request on the school's site, with the document ---
    teacher = _page(browser, live_stack, SCHOOL1, people["teacher"])
    # By keyboard alone (issue 14), every stop with its focus visible.
    press_on(teacher, "#help-hour-card a[href$='/new/']")
    assert teacher.url.endswith(f"{BASE}/new/")
    tab_to(teacher, "select[name=subject]")
    arrow_to(teacher, str(subject.pk))
    tab_to(teacher, "select[name=category]")
    arrow_to(teacher, "work_program")
    type_into(teacher, "textarea[name=description]", description)
    # Participants: a tag field; the filer is a tag already, the colleague is found by her name.
    filer = f".ts-wrapper:has(#id_participants-ts-control) .item[data-value='{people['teacher'].pk}']"
    assert teacher.locator(filer).count() == 1
    choose_tag(teacher, "id_participants", people["colleague"].first_name, str(people["colleague"].pk))
    type_date(teacher, "input[name='times-0-date']", timezone.localdate() + timedelta(days=7))
    type_time(teacher, "input[name='times-0-starts']", time(14))
    type_time(teacher, "input[name='times-0-ends']", time(16))
    choose_file(teacher, "input[name=document]", str(document))  # Space opens the file chooser
    press_on(teacher, "#send")
    assert re.search(rf"{BASE}/\d+/$", teacher.url)

    with tenant_context(district.centre):
        request = HelpHourRequest.objects.get(requester=people["teacher"])
        participants = {u.pk for u in request.participants.all()}
    assert request.status == Status.SUBMITTED
    assert request.document_name == "рабочая-программа.pdf"
    assert participants == {people["teacher"].pk, people["colleague"].pk}
    assert teacher.get_attribute("#request-status", "data-status") == "submitted"
    assert teacher.locator(f"a.document[href='{BASE}/{request.pk}/document/']").count() == 1

    # --- the methodologist accepts it and schedules a video session starting in ten minutes ---
    methodologist = _page(browser, live_stack, CENTRE, people["methodologist"])
    methodologist.goto(live_stack.url(CENTRE, f"{BASE}/centre/?subject={subject.pk}"))
    press_on(methodologist, f"#request-{request.pk} a[href='{BASE}/centre/{request.pk}/']")
    assert description in methodologist.inner_text(".description")
    assert_accessible(methodologist, "the centre's request page")
    # Accepting and scheduling by keyboard alone (issue 14), every stop with its focus visible.
    press_on(methodologist, "#accept-form button[type=submit]")
    assert methodologist.get_attribute("#request-status", "data-status") == "accepted"
    press_on(methodologist, "#schedule-link")
    starts = _local(timezone.now() + timedelta(minutes=10), district).replace(second=0, microsecond=0)
    ends = min(starts + timedelta(hours=1), starts.replace(hour=23, minute=59))
    type_date(methodologist, "input[name=date]", starts.date())
    type_time(methodologist, "input[name=starts_at]", starts.time())
    type_time(methodologist, "input[name=ends_at]", ends.time())
    tab_to(methodologist, "input[name=mode]:checked")
    arrow_to(methodologist, "video")
    tab_to(methodologist, "input[name=capacity]")
    methodologist.keyboard.press("Control+A")
    methodologist.keyboard.type("5")
    choose_tag(methodologist, "id_tutors", people["tutor"].first_name, str(people["tutor"].pk))
    assert_accessible(methodologist, "the schedule form, a tutor's tag chosen and its list open")
    tab_to(methodologist, "#schedule-form button[type=submit]")
    methodologist.keyboard.press("Enter")
    methodologist.wait_for_url(f"**{BASE}/centre/sessions/*/")
    assert_accessible(methodologist, "the session page")

    with tenant_context(district.centre):
        session = HelpHourSession.objects.get(requests=request)
    assert session.mode == HelpHourSession.Mode.VIDEO and session.video_room
    assert _local(session.starts_at, district) == starts
    participants_text = methodologist.inner_text("#participants")
    assert (
        people["teacher"].last_name in participants_text
        and people["colleague"].last_name in participants_text
    )

    # --- the participating teacher sees the join link: the session is inside the window ---
    assert timezone.now() >= session.starts_at - timedelta(minutes=settings.VIDEO_JOIN_OPENS_MINUTES)
    colleague = _page(browser, live_stack, SCHOOL1, people["colleague"])
    colleague.goto(live_stack.url(SCHOOL1, f"{BASE}/{request.pk}/"))
    assert colleague.get_attribute("#request-status", "data-status") == "scheduled"
    join = colleague.locator("#session a.join")
    assert join.count() == 1 and join.is_visible()
    assert join.get_attribute("href").startswith(f"{BASE}/sessions/{session.pk}/join/")
    assert colleague.locator("#session .join-later").count() == 0
    assert starts.strftime("%H:%M") in colleague.inner_text("#session")

    # --- the tutor: not before the start; then held, the outcome with a returned file, closed ---
    tutor = _page(browser, live_stack, CENTRE, people["tutor"])
    tutor.goto(live_stack.url(CENTRE, f"{BASE}/centre/mine/"))
    press_on(tutor, f"#session-{session.pk} a[href='{BASE}/centre/sessions/{session.pk}/']")
    assert tutor.locator("#hold-form").count() == 0  # it has not started yet
    assert tutor.locator("#session a.join").count() == 1  # the tutor's own (moderator) link
    # Ten minutes pass: the session is moved to have started a minute ago instead of waiting.
    now = timezone.now()
    with tenant_context(district.centre):
        HelpHourSession.objects.filter(pk=session.pk).update(
            starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(minutes=59)
        )
    tutor.reload()
    # Held, the outcome with a returned file, closed: by keyboard alone (issue 14).
    press_on(tutor, "#hold-form button[type=submit]")
    assert tutor.locator("#outcome-form").count() == 1
    summary = f"Разобрали структуру рабочей программы {unique('s')}"
    type_into(tutor, "textarea[name=summary]", summary)
    type_into(tutor, "textarea[name=recommendations]", "Добавить планируемые результаты по ФОП")
    returned = tmp_path / "программа-с-пометками.pdf"
    returned.write_bytes(PDF)
    choose_file(tutor, "input[name=files]", str(returned))  # Space opens the file chooser
    press_on(tutor, "#outcome-form button[type=submit]")
    assert summary in tutor.inner_text("#outcome .summary")
    press_on(tutor, "#close-form button[type=submit]")
    assert tutor.locator("#close-form").count() == 0

    with tenant_context(district.centre):
        closed = HelpHourRequest.objects.get(pk=request.pk)
        steps = [e.action for e in closed.events.all()]
        file_names = [f.name for f in HelpHourSession.objects.get(pk=session.pk).outcome_files.all()]
    assert closed.status == Status.CLOSED
    assert steps == ["create", "submit", "accept", "schedule", "hold", "close"]
    assert file_names == ["программа-с-пометками.pdf"]

    # --- the school sees it closed, with the outcome, the returned file and the rating form ---
    teacher.reload()
    assert teacher.get_attribute("#request-status", "data-status") == "closed"
    outcome = teacher.inner_text("#outcome")
    assert summary in outcome and "Добавить планируемые результаты по ФОП" in outcome
    assert teacher.locator("#outcome .outcome-files a").inner_text() == "программа-с-пометками.pdf"
    assert teacher.locator("#session a.join").count() == 0  # a closed session has no link
    assert teacher.locator("#timeline .event").count() == 6
    tab_to(teacher, "#rating-form select[name=score]")
    arrow_to(teacher, "5")
    press_on(teacher, "#rating-form button[type=submit]")
    assert teacher.locator("ul.messages li.success").count() == 1
    with tenant_context(district.centre):
        assert HelpHourSession.objects.get(pk=session.pk).ratings.get(user=people["teacher"]).score == 5


def test_before_the_join_window_the_request_page_says_when_the_link_appears(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any
) -> None:
    people = _people(district)
    subject = SubjectFactory(name=unique("История"))
    teacher, methodologist = people["teacher"], people["methodologist"]
    teacher_membership = teacher.memberships.get(organisation=district.school_a)
    methodologist_membership = methodologist.memberships.get(organisation=district.centre)
    request = services.request_create(
        actor=teacher,
        membership=teacher_membership,
        subject=subject,
        category="exam_preparation",
        description="Подготовка к ОГЭ по истории",
        participant_ids=[teacher.pk, people["colleague"].pk],
        preferred_times=[{"date": "2031-03-02", "from": "14:00", "to": "16:00"}],
        submit=True,
    )
    services.request_accept(request_id=request.pk, actor=methodologist, membership=methodologist_membership)
    starts = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    session = services.session_schedule(
        request_ids=[request.pk],
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mode="video",
        capacity=5,
        tutor_ids=[people["tutor"].pk],
        actor=methodologist,
        membership=methodologist_membership,
    )
    opens = _local(session.starts_at - timedelta(minutes=settings.VIDEO_JOIN_OPENS_MINUTES), district)

    page = _page(browser, live_stack, SCHOOL1, people["colleague"])
    page.goto(live_stack.url(SCHOOL1, f"{BASE}/{request.pk}/"))
    assert page.get_attribute("#request-status", "data-status") == "scheduled"
    assert page.locator("#session a.join").count() == 0
    later = page.inner_text("#session .join-later")
    assert opens.strftime("%H:%M") in later and opens.strftime("%d.%m.%Y") in later
