"""The tutorial pages: teacher, organiser, methodologist; isolation between schools; query counts."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from tests.conftest import District, client_for, member
from tutorials import checkin
from tutorials.models import Attendance, Registration, Session, Tutorial

from .factories import organiser_in, published, register, teacher_of

pytestmark = pytest.mark.django_db


def _start_now(tutorial: Tutorial) -> Session:
    start = timezone.now() - timedelta(minutes=5)
    Session.objects.filter(tutorial=tutorial).update(starts_at=start, ends_at=start + timedelta(hours=2))
    Tutorial.objects.filter(pk=tutorial.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    return tutorial.sessions.get()


def test_teacher_sees_the_catalogue_registers_and_cancels(district: District) -> None:
    with tenant_context(district.centre):
        tutorials = [published(organiser_in(district.centre)) for _ in range(3)]
        teacher = teacher_of(district.school_a)
    client = client_for(teacher.user, district.host(district.centre))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/tutorials/")
    assert response.status_code == 200
    body = response.content.decode()
    assert all(t.title in body and f"tutorial-{t.pk}" in body for t in tutorials)
    assert len(queries) <= 16, [q["sql"] for q in queries]
    response = client.post(f"/tutorials/{tutorials[0].pk}/register/", follow=True)
    assert response.status_code == 200
    with tenant_context(district.centre):
        registration = Registration.objects.get(tutorial=tutorials[0], user=teacher.user)
    assert registration.status == Registration.Status.CONFIRMED
    page = client.get(f"/tutorials/{tutorials[0].pk}/").content.decode()
    assert "cancel-registration" in page or f"/tutorials/registrations/{registration.pk}/cancel/" in page
    client.post(f"/tutorials/registrations/{registration.pk}/cancel/")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_catalogue_query_count_does_not_grow_with_tutorials(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
        teacher = teacher_of(district.school_a)
        published(tutor)
    client = client_for(teacher.user, district.host(district.centre))
    client.get("/tutorials/")
    with CaptureQueriesContext(connection) as few:
        client.get("/tutorials/")
    with tenant_context(district.centre):
        for _ in range(5):
            published(tutor)
    with CaptureQueriesContext(connection) as many:
        client.get("/tutorials/")
    assert len(many) == len(few)


def test_a_schools_internal_seminar_is_invisible_to_other_schools(district: District) -> None:
    with tenant_context(district.school_a):
        internal = published(organiser_in(district.school_a), title="Внутренний семинар ШМО")
        own_teacher = teacher_of(district.school_a)
    other_teacher = teacher_of(district.school_b)
    own = client_for(own_teacher.user, district.host(district.school_a))
    assert "Внутренний семинар ШМО" in own.get("/tutorials/").content.decode()
    stranger = client_for(other_teacher.user, district.host(district.school_a))
    assert stranger.get("/tutorials/").status_code == 403
    assert stranger.get(f"/tutorials/{internal.pk}/").status_code == 404
    for host in (district.school_b, district.centre):
        page = client_for(other_teacher.user, district.host(host)).get("/tutorials/").content.decode()
        assert "Внутренний семинар ШМО" not in page


def test_the_participant_list_is_for_organisers_and_the_centre_only(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
        tutorial = published(tutor)
        teacher = teacher_of(district.school_a)
        register(tutorial, teacher)
        methodologist = member(district.centre, Role.METHODOLOGIST)
        other_tutor = organiser_in(district.centre)
    host = district.host(district.centre)
    school_admin = member(district.school_a, Role.SCHOOL_ADMIN)
    for who, status in (
        (tutor.user, 200),
        (methodologist.user, 200),
        (other_tutor.user, 404),
        (teacher.user, 403),
        (school_admin.user, 403),
    ):
        for url in (f"/tutorials/{tutorial.pk}/participants/", f"/tutorials/{tutorial.pk}/participants.xlsx"):
            response = client_for(who, host).get(url)
            assert response.status_code in ((status,) if status == 200 else (403, 404)), (who, url)
    page = client_for(tutor.user, host).get(f"/tutorials/{tutorial.pk}/participants/").content.decode()
    assert teacher.user.get_full_name() in page


def test_export_is_xlsx_with_user_text_kept_as_text(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
        tutorial = published(tutor)
        teacher = member(district.school_a, Role.TEACHER, last_name="=HYPERLINK(1)")
        register(tutorial, teacher)
    response = client_for(tutor.user, district.host(district.centre)).get(
        f"/tutorials/{tutorial.pk}/participants.xlsx"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][0].startswith("=HYPERLINK(1)")
    cell = book.active.cell(row=2, column=1)
    assert cell.data_type == "s"
    assert rows[1][2] == district.school_a.short_name


def test_a_participant_checks_in_on_the_page_and_a_wrong_code_shows_a_message(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
        tutorial = published(tutor)
        teacher = teacher_of(district.school_a)
        register(tutorial, teacher)
        session = _start_now(tutorial)
    host = district.host(district.centre)
    client = client_for(teacher.user, host)
    response = client.post(f"/tutorials/{tutorial.pk}/checkin/", {"code": "000000x"}, follow=True)
    assert "Неверный код" in response.content.decode() or "код" in response.content.decode()
    screen = client_for(tutor.user, host).get(f"/tutorials/sessions/{session.pk}/code/").content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", screen) is None, "inline script on the code screen"
    code = client_for(tutor.user, host).get(f"/tutorials/sessions/{session.pk}/code.json").json()["code"]
    assert code == checkin.code_now(session.checkin_secret)
    assert client.get(f"/tutorials/sessions/{session.pk}/code.json").status_code == 404
    response = client.post(f"/tutorials/{tutorial.pk}/checkin/", {"code": code}, follow=True)
    assert response.status_code == 200
    with tenant_context(district.centre):
        assert Attendance.objects.filter(session=session, user=teacher.user).exists()


def test_the_organiser_marks_attendance_on_the_phone_list(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
        tutorial = published(tutor)
        teachers = [teacher_of(district.school_a) for _ in range(4)]
        for t in teachers:
            register(tutorial, t)
        session = _start_now(tutorial)
    client = client_for(tutor.user, district.host(district.centre))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/tutorials/sessions/{session.pk}/attendance/")
    assert page.status_code == 200 and len(queries) <= 14
    client.post(
        f"/tutorials/sessions/{session.pk}/attendance/", {"user": teachers[0].user.pk, "present": "1"}
    )
    with tenant_context(district.centre):
        assert Attendance.objects.filter(session=session, user=teachers[0].user).exists()


def test_feedback_without_a_rating_is_refused_with_a_message(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
        tutorial = published(tutor)
        teacher = teacher_of(district.school_a)
        register(tutorial, teacher)
        session = _start_now(tutorial)
        Attendance.objects.create(session=session, user=teacher.user, method="organiser")
    client = client_for(teacher.user, district.host(district.centre))
    page = client.get(f"/tutorials/{tutorial.pk}/").content.decode()
    assert 'name="rating"' in page and "checked" not in page.split('name="rating"')[1][:80]
    response = client.post(f"/tutorials/{tutorial.pk}/feedback/", {"useful": "x"}, follow=True)
    assert "от 1 до 5" in response.content.decode()
    client.post(f"/tutorials/{tutorial.pk}/feedback/", {"rating": "5", "useful": "Очень"})
    summary = client_for(tutor.user, district.host(district.centre)).get(
        f"/tutorials/{tutorial.pk}/participants/"
    )
    assert "Очень" in summary.content.decode()


def test_an_organiser_creates_and_publishes_through_the_form(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
    client = client_for(tutor.user, district.host(district.centre))
    day = (timezone.now() + timedelta(days=10)).date().isoformat()
    response = client.post(
        "/tutorials/new/",
        {
            "kind": "master_class",
            "title": "Мастер-класс по КТП",
            "date": day,
            "start": "15:00",
            "end": "17:00",
            "format": "in_person",
            "place": "ЦРО",
            "capacity": "20",
            "hours": "2",
            "audience_all": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(district.centre):
        tutorial = Tutorial.objects.get(title="Мастер-класс по КТП")
        assert timezone.localtime(tutorial.starts_at, district.centre.zone).hour == 15
    client.post(f"/tutorials/{tutorial.pk}/publish/")
    tutorial.refresh_from_db()
    assert tutorial.status == Tutorial.Status.PUBLISHED
    bad = client.post("/tutorials/new/", {"kind": "seminar", "title": "", "date": day, "start": "15:00"})
    assert bad.status_code == 200


def test_methodologist_sees_all_district_tutorials_and_a_teacher_cannot_organise(district: District) -> None:
    with tenant_context(district.centre):
        draft = published(organiser_in(district.centre), publish=False, title="Черновик методиста")
        methodologist = member(district.centre, Role.METHODOLOGIST)
    host = district.host(district.centre)
    page = client_for(methodologist.user, host).get("/tutorials/organise/").content.decode()
    assert draft.title in page
    assert client_for(teacher_of(district.school_a).user, host).get("/tutorials/organise/").status_code == 403


def test_the_district_calendar_shows_tutorials_with_filters(district: District) -> None:
    with tenant_context(district.centre):
        tutorial = published(organiser_in(district.centre), title="Семинар в календаре", kind="seminar")
        teacher = teacher_of(district.school_a)
    client = client_for(teacher.user, district.host(district.centre))
    day = timezone.localtime(tutorial.starts_at, district.centre.zone).date().isoformat()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/tutorials/calendar/?day={day}").content.decode()
    assert "Семинар в календаре" in page and f"/tutorials/{tutorial.pk}/" in page
    assert len(queries) <= 14
    week = client.get(f"/tutorials/calendar/?view=week&day={day}&kind=training").content.decode()
    assert "Семинар в календаре" not in week
    assert (
        "Семинар в календаре"
        in client.get(f"/tutorials/calendar/?view=week&day={day}&kind=seminar").content.decode()
    )


def test_the_dashboard_shows_my_next_tutorial(district: District) -> None:
    with tenant_context(district.centre):
        tutorial = published(organiser_in(district.centre), title="Скоро на дашборде")
        teacher = teacher_of(district.school_a)
        register(tutorial, teacher)
    page = client_for(teacher.user, district.host(district.centre)).get("/").content.decode()
    assert 'id="panel-tutorials"' in page and "Скоро на дашборде" in page
