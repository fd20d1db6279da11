"""The Help Hour pages: each page per role, refusals (404 for another school's request, 403 for
acting out of one's role), form errors instead of 500s, the queue filters, the join window, the
outcome and the export's status endpoint."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from consultations.help_hour import services
from consultations.help_hour.models import HelpHourExport, HelpHourRequest, HelpHourSession, Status
from tests.conftest import client_for
from tests.factories import SubjectFactory
from tests.help_hour.helpers import (
    Cast,
    accepted_request,
    docx_bytes,
    in_centre_schema,
    new_request,
    pdf_bytes,
    schedule,
    upload,
)

CENTRE = "centre.localhost"
SCHOOL1 = "school1.localhost"
SCHOOL2 = "school2.localhost"
BASE = "/consultations/help-hour"


@pytest.fixture
def people(cast: Cast) -> Cast:
    """The cast, reading the pages in English (the msgids are asserted)."""
    for name in (
        "requester",
        "colleague",
        "school_admin",
        "outsider",
        "other_admin",
        "other_teacher",
        "methodologist",
        "methodologist2",
        "tutor",
        "tutor2",
        "centre_admin",
    ):
        user = cast.user(name)
        user.language = "en"
        user.save(update_fields=["language"])
    return cast


def as_(cast: Cast, name: str, host: str) -> Client:
    return client_for(cast.user(name), host)


def html(response: Any) -> str:
    return response.content.decode()


def request_form(cast: Cast, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "subject": cast.subject.pk,
        "category": "work_program",
        "description": "Как согласовать рабочую программу с ФОП?",
        "participants": [cast.user("requester").pk, cast.user("colleague").pk],
        "times-TOTAL_FORMS": "3",
        "times-INITIAL_FORMS": "0",
        "times-MIN_NUM_FORMS": "0",
        "times-MAX_NUM_FORMS": "10",
        "times-0-date": "2031-03-02",
        "times-0-starts": "14:00",
        "times-0-ends": "16:00",
    }
    data.update(overrides)
    return data


def upload_file(name: str, content: bytes) -> io.BytesIO:
    stream = io.BytesIO(content)
    stream.name = name
    return stream


def request_count() -> int:
    with in_centre_schema():
        return HelpHourRequest.objects.count()


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def started(session: HelpHourSession, *, minutes_ago: int = 5) -> None:
    """Move a scheduled session into the past: the clock has run on (pages have no ``now`` to pass)."""
    starts = timezone.now() - timedelta(minutes=minutes_ago)
    with in_centre_schema():
        HelpHourSession.objects.filter(pk=session.pk).update(
            starts_at=starts, ends_at=starts + timedelta(hours=1)
        )


# --- the school files and follows its requests --------------------------------------------------


def test_a_teacher_files_a_request_with_a_document_and_sends_it_to_the_centre(people: Cast) -> None:
    client = as_(people, "requester", SCHOOL1)
    form = client.get(f"{BASE}/new/")
    assert form.status_code == 200
    assert 'name="document"' in html(form) and 'accept=".docx,.odt,.pdf"' in html(form)
    assert people.user("colleague").get_full_name() in html(form)  # the school's staff to choose from

    data = request_form(people, send="1", document=upload_file("программа.docx", docx_bytes()))
    response = client.post(f"{BASE}/new/", data)

    with in_centre_schema():
        created = HelpHourRequest.objects.get(requester=people.user("requester"))
        participants = {u.pk for u in created.participants.all()}
    assert response.status_code == 302 and response["Location"] == f"{BASE}/{created.pk}/"
    assert created.status == Status.SUBMITTED
    assert created.organisation_id == people.district.school_a.pk
    assert created.preferred_times == [{"date": "2031-03-02", "from": "14:00", "to": "16:00"}]
    assert participants == {people.user("requester").pk, people.user("colleague").pk}
    assert created.document_name == "программа.docx"

    page = client.get(f"{BASE}/{created.pk}/")
    text = html(page)
    assert page.status_code == 200
    assert 'data-status="submitted"' in text
    assert f"{BASE}/{created.pk}/document/" in text
    assert 'id="timeline"' in text and text.count('class="event ') == 2  # created, submitted
    # The preferred time as people read it (2031-03-02 is a Sunday; these pages are in English).
    assert "2031-03-02" not in text and "Sun, 02.03.2031 14:00–16:00" in text
    download = client.get(f"{BASE}/{created.pk}/document/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == docx_bytes()


def test_save_draft_keeps_the_request_at_the_school_and_it_can_be_sent_later(people: Cast) -> None:
    client = as_(people, "requester", SCHOOL1)
    response = client.post(f"{BASE}/new/", request_form(people, save="1", description=""))
    with in_centre_schema():
        draft = HelpHourRequest.objects.get(requester=people.user("requester"))
    assert response.status_code == 302
    assert draft.status == Status.DRAFT and draft.submitted_at is None

    page = html(client.get(f"{BASE}/{draft.pk}/"))
    assert 'id="send-form"' in page and 'id="edit-request"' in page
    # Sending an incomplete draft names what is missing; the draft stays a draft.
    refused = client.post(f"{BASE}/{draft.pk}/edit/", request_form(people, send="1", description=""))
    assert refused.status_code == 200
    assert "Describe the difficulty." in html(refused)
    with in_centre_schema():
        assert HelpHourRequest.objects.get(pk=draft.pk).status == Status.DRAFT

    sent = client.post(f"{BASE}/{draft.pk}/edit/", request_form(people, send="1"))
    assert sent.status_code == 302
    with in_centre_schema():
        assert HelpHourRequest.objects.get(pk=draft.pk).status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.exe", b"MZ\x90\x00 not a document"),
        ("notes.txt", b"just text"),
        ("fake.pdf", b"this is not a PDF at all"),
        ("renamed.docx", pdf_bytes()),
    ],
)
def test_a_wrong_file_type_is_refused_with_a_clear_message_and_nothing_is_written(
    people: Cast, name: str, content: bytes
) -> None:
    before = request_count()
    response = as_(people, "requester", SCHOOL1).post(
        f"{BASE}/new/", request_form(people, send="1", document=upload_file(name, content))
    )
    text = html(response)
    assert response.status_code == 200
    assert 'class="field has-error"' in text
    assert any(
        message in text
        for message in (
            "Only .docx, .odt and .pdf documents are accepted.",
            "The file is not a real .docx, .odt or .pdf document (its content was checked).",
            "The file is named .docx but its content is a .pdf document.",
        )
    )
    assert request_count() == before
    assert media_files() == []


def test_bad_preferred_times_and_unknown_participants_are_form_errors(people: Cast) -> None:
    client = as_(people, "requester", SCHOOL1)
    half_row = client.post(f"{BASE}/new/", request_form(people, send="1", **{"times-0-ends": ""}))
    assert half_row.status_code == 200
    assert "Give the date, the start and the end, or leave the row empty." in html(half_row)
    backwards = client.post(f"{BASE}/new/", request_form(people, send="1", **{"times-0-ends": "13:00"}))
    assert "A preferred time must end after it starts." in html(backwards)
    stranger = client.post(
        f"{BASE}/new/", request_form(people, send="1", participants=[people.user("other_teacher").pk])
    )
    assert stranger.status_code == 200 and 'class="field has-error"' in html(stranger)
    assert request_count() == 0


def test_the_school_list_shows_only_the_schools_own_requests(people: Cast) -> None:
    mine = new_request(people)
    theirs = new_request(people, by="other_teacher", participants=("other_teacher",))

    admin_page = html(as_(people, "school_admin", SCHOOL1).get(f"{BASE}/requests/"))
    assert f'id="request-{mine.pk}"' in admin_page and f'id="request-{theirs.pk}"' not in admin_page
    other_page = html(as_(people, "other_admin", SCHOOL2).get(f"{BASE}/requests/"))
    assert f'id="request-{theirs.pk}"' in other_page and f'id="request-{mine.pk}"' not in other_page
    # A teacher who takes no part sees none of the school's requests.
    outsider_page = html(as_(people, "outsider", SCHOOL1).get(f"{BASE}/requests/"))
    assert f'id="request-{mine.pk}"' not in outsider_page and 'id="no-requests"' in outsider_page


def test_another_schools_request_is_a_404_on_every_page(people: Cast) -> None:
    mine = new_request(people, document=upload("a.pdf", pdf_bytes()))
    client = as_(people, "other_admin", SCHOOL2)
    assert client.get(f"{BASE}/{mine.pk}/").status_code == 404
    assert client.get(f"{BASE}/{mine.pk}/document/").status_code == 404
    assert client.get(f"{BASE}/{mine.pk}/edit/").status_code == 404
    assert client.post(f"{BASE}/{mine.pk}/act/", {"action": "withdraw"}).status_code == 404
    with in_centre_schema():
        assert HelpHourRequest.objects.get(pk=mine.pk).status == Status.SUBMITTED
    assert as_(people, "requester", SCHOOL1).get(f"{BASE}/999999/").status_code == 404


def test_a_teacher_cannot_act_as_a_methodologist(people: Cast) -> None:
    submitted = new_request(people)
    # A school teacher on the centre's site has no centre role there.
    teacher = as_(people, "requester", CENTRE)
    assert teacher.get(f"{BASE}/centre/").status_code == 403
    assert teacher.get(f"{BASE}/centre/{submitted.pk}/").status_code == 403
    assert teacher.post(f"{BASE}/centre/{submitted.pk}/act/", {"action": "accept"}).status_code == 403
    assert teacher.get(f"{BASE}/centre/figures/").status_code == 403
    # ...nor on the school's own site.
    assert as_(people, "requester", SCHOOL1).get(f"{BASE}/centre/").status_code == 403
    # A centre tutor may not triage either.
    tutor = as_(people, "tutor", CENTRE)
    refused = tutor.post(f"{BASE}/centre/{submitted.pk}/act/", {"action": "accept"})
    assert refused.status_code == 403
    assert tutor.get(f"{BASE}/centre/schedule/?requests={submitted.pk}").status_code == 403
    with in_centre_schema():
        assert HelpHourRequest.objects.get(pk=submitted.pk).status == Status.SUBMITTED


def test_school_pages_are_refused_to_centre_staff_and_centre_pages_to_schools(people: Cast) -> None:
    assert as_(people, "methodologist", CENTRE).get(f"{BASE}/new/").status_code == 403
    assert as_(people, "methodologist", CENTRE).get(f"{BASE}/requests/").status_code == 403
    assert as_(people, "school_admin", SCHOOL1).get(f"{BASE}/centre/figures/").status_code == 403
    anonymous = client_for(None, SCHOOL1).get(f"{BASE}/new/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


# --- the centre's triage ----------------------------------------------------------------------


def test_the_methodologist_triages_from_the_request_page_with_the_workflows_actions(people: Cast) -> None:
    submitted = new_request(people)
    client = as_(people, "methodologist", CENTRE)
    page = html(client.get(f"{BASE}/centre/{submitted.pk}/"))
    for form_id in ("accept-form", "reject-form", "return-form", "assign-form"):
        assert f'id="{form_id}"' in page
    assert 'id="schedule-link"' not in page  # only an accepted request is scheduled

    # Rejecting without a reason is refused with a message; nothing changes.
    refused = client.post(
        f"{BASE}/centre/{submitted.pk}/act/", {"action": "reject", "comment": ""}, follow=True
    )
    assert "Say why: the school will read it." in html(refused)
    with in_centre_schema():
        assert HelpHourRequest.objects.get(pk=submitted.pk).status == Status.SUBMITTED

    tutor = people.user("tutor")
    client.post(f"{BASE}/centre/{submitted.pk}/act/", {"action": "assign_tutor", "tutor": tutor.pk})
    client.post(f"{BASE}/centre/{submitted.pk}/act/", {"action": "accept", "comment": "Берём"})
    with in_centre_schema():
        accepted = HelpHourRequest.objects.get(pk=submitted.pk)
    assert accepted.status == Status.ACCEPTED and accepted.tutor_id == tutor.pk
    page = html(client.get(f"{BASE}/centre/{submitted.pk}/"))
    assert 'id="accept-form"' not in page and 'id="schedule-link"' in page
    assert "Берём" in page  # the timeline keeps the comment

    # An illegal step (accepting twice) is a message, not a 500.
    again = client.post(f"{BASE}/centre/{submitted.pk}/act/", {"action": "accept"}, follow=True)
    assert again.status_code == 200
    assert "is not possible" in html(again)


def test_the_school_answers_a_clarification_and_sends_the_request_again(people: Cast) -> None:
    submitted = new_request(people)
    as_(people, "methodologist", CENTRE).post(
        f"{BASE}/centre/{submitted.pk}/act/", {"action": "return", "comment": "Какой класс?"}
    )
    client = as_(people, "requester", SCHOOL1)
    page = html(client.get(f"{BASE}/{submitted.pk}/"))
    assert "Какой класс?" in page and 'id="answer"' in page

    client.post(f"{BASE}/{submitted.pk}/act/", {"action": "submit", "comment": "7 класс"})
    with in_centre_schema():
        request = HelpHourRequest.objects.get(pk=submitted.pk)
        steps = [(e.action, e.comment) for e in request.events.all()]
    assert request.status == Status.SUBMITTED
    assert steps[-2:] == [("return_for_clarification", "Какой класс?"), ("submit", "7 класс")]


def test_the_school_withdraws_its_request(people: Cast) -> None:
    submitted = new_request(people)
    client = as_(people, "school_admin", SCHOOL1)
    client.post(f"{BASE}/{submitted.pk}/act/", {"action": "withdraw", "comment": "Справились сами"})
    with in_centre_schema():
        assert HelpHourRequest.objects.get(pk=submitted.pk).status == Status.WITHDRAWN
    page = html(client.get(f"{BASE}/{submitted.pk}/"))
    assert 'data-status="withdrawn"' in page and 'id="withdraw-form"' not in page


def test_the_queue_filters_by_subject_category_status_school_and_age(people: Cast) -> None:
    maths = new_request(people)
    physics_subject = SubjectFactory()
    exam = new_request(people, subject=physics_subject, category="exam_preparation")
    other_school = new_request(people, by="other_teacher", participants=("other_teacher",))
    accepted = accepted_request(people)
    draft = new_request(people, submit=False)
    with in_centre_schema():
        HelpHourRequest.objects.filter(pk=maths.pk).update(submitted_at=timezone.now() - timedelta(days=10))
    client = as_(people, "methodologist", CENTRE)

    def shown(query: str = "") -> set[int]:
        text = html(client.get(f"{BASE}/centre/?{query}"))
        return {r.pk for r in (maths, exam, other_school, accepted, draft) if f'id="request-{r.pk}"' in text}

    assert shown() == {maths.pk, exam.pk, other_school.pk, accepted.pk}  # no drafts
    assert shown(f"subject={physics_subject.pk}") == {exam.pk}
    assert shown("category=exam_preparation") == {exam.pk}
    assert shown("status=accepted") == {accepted.pk}
    assert shown(f"school={people.district.school_b.pk}") == {other_school.pk}
    assert shown("min_age=7") == {maths.pk}
    assert shown("max_age=7") == {exam.pk, other_school.pk, accepted.pk}
    # Only accepted requests can be chosen for a session.
    text = html(client.get(f"{BASE}/centre/"))
    assert f'name="requests" value="{accepted.pk}"' in text
    assert f'name="requests" value="{maths.pk}"' not in text
    # A bad filter value is a form error, not a 500.
    assert client.get(f"{BASE}/centre/?min_age=-3").status_code == 200


# --- sessions ---------------------------------------------------------------------------------


def _schedule_data(when: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "date": when.date().isoformat(),
        "starts_at": when.strftime("%H:%M"),
        "ends_at": (when + timedelta(hours=1)).strftime("%H:%M"),
        "mode": "video",
        "capacity": "10",
        "place": "",
        "topic": "ФОП",
    }
    data.update(overrides)
    return data


def _tomorrow_at_ten(cast: Cast) -> Any:
    local = timezone.localtime(timezone.now(), cast.district.centre.zone) + timedelta(days=1)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


def test_scheduling_two_schools_requests_merges_them_into_one_session_with_all_participants(
    people: Cast,
) -> None:
    a = accepted_request(people)
    b = accepted_request(people, by="other_teacher", participants=("other_teacher",))
    client = as_(people, "methodologist", CENTRE)
    form = client.get(f"{BASE}/centre/schedule/?requests={a.pk}&requests={b.pk}")
    assert (
        form.status_code == 200
        and f'id="chosen-{a.pk}"' in html(form)
        and f'id="chosen-{b.pk}"' in html(form)
    )

    when = _tomorrow_at_ten(people)
    data = _schedule_data(when, tutors=[people.user("tutor").pk], requests=[a.pk, b.pk])
    response = client.post(f"{BASE}/centre/schedule/", data)
    with in_centre_schema():
        session = HelpHourSession.objects.get(requests=a)
        statuses = set(HelpHourRequest.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
    assert response.status_code == 302 and response["Location"] == f"{BASE}/centre/sessions/{session.pk}/"
    assert statuses == {Status.SCHEDULED}
    assert (
        timezone.localtime(session.starts_at, people.district.centre.zone) == when
    )  # the centre's wall clock

    page = html(client.get(f"{BASE}/centre/sessions/{session.pk}/"))
    for name in ("requester", "colleague", "other_teacher"):
        assert people.user(name).get_full_name() in page
    assert people.district.school_b.short_name in page
    assert when.strftime("%H:%M") in page


def test_scheduling_errors_become_form_errors_and_nothing_is_scheduled(people: Cast) -> None:
    a = accepted_request(people)
    client = as_(people, "methodologist", CENTRE)
    when = _tomorrow_at_ten(people)
    no_place = client.post(
        f"{BASE}/centre/schedule/",
        _schedule_data(when, mode="in_person", tutors=[people.user("tutor").pk], requests=[a.pk]),
    )
    assert no_place.status_code == 200 and "Give the place of an in-person session." in html(no_place)
    too_small = client.post(
        f"{BASE}/centre/schedule/",
        _schedule_data(when, capacity="1", tutors=[people.user("tutor").pk], requests=[a.pk]),
    )
    assert "The session has 1 places, but the requests bring 2 participants" in html(too_small)
    no_tutor = client.post(f"{BASE}/centre/schedule/", _schedule_data(when, requests=[a.pk]))
    assert "Choose at least one tutor." in html(no_tutor)
    past = client.post(
        f"{BASE}/centre/schedule/",
        _schedule_data(when - timedelta(days=3), tutors=[people.user("tutor").pk], requests=[a.pk]),
    )
    assert "The session must start in the future." in html(past)
    with in_centre_schema():
        assert HelpHourRequest.objects.get(pk=a.pk).status == Status.ACCEPTED
        assert not HelpHourSession.objects.filter(requests=a).exists()


def test_the_join_link_shows_only_within_the_window_and_before_it_the_page_says_when(
    people: Cast, settings: Any
) -> None:
    request = accepted_request(people)
    starts = timezone.now() + timedelta(hours=2)
    session = schedule(people, [request], starts_at=starts)
    opens = timezone.localtime(
        starts - timedelta(minutes=settings.VIDEO_JOIN_OPENS_MINUTES), people.district.school_a.zone
    )
    colleague = as_(people, "colleague", SCHOOL1)

    page = html(colleague.get(f"{BASE}/{request.pk}/"))
    assert 'class="button join"' not in page
    assert f"The link appears at {opens:%H:%M}" in page
    # The join address refuses before the window, with the same message.
    early = colleague.get(f"{BASE}/sessions/{session.pk}/join/?back={BASE}/{request.pk}/", follow=True)
    assert f"The link appears at {opens:%d.%m.%Y %H:%M}" in html(early)

    settings.VIDEO_JOIN_OPENS_MINUTES = 180  # now the window is open
    page = html(colleague.get(f"{BASE}/{request.pk}/"))
    assert 'class="button join"' in page and "The link appears" not in page
    joined = colleague.get(f"{BASE}/sessions/{session.pk}/join/")
    assert joined.status_code == 302
    assert joined["Location"].startswith(f"https://{settings.JITSI_HOST}/{session.video_room}")
    # Someone of the school who takes no part sees no link and cannot join.
    assert 'class="button join"' not in html(
        as_(people, "school_admin", SCHOOL1).get(f"{BASE}/{request.pk}/")
    )
    assert as_(people, "outsider", SCHOOL1).get(f"{BASE}/sessions/{session.pk}/join/").status_code == 404


def test_the_tutor_marks_held_records_the_outcome_and_closes_and_the_school_sees_it(people: Cast) -> None:
    request = accepted_request(people)
    session = schedule(people, [request])
    tutor = as_(people, "tutor", CENTRE)
    page = html(tutor.get(f"{BASE}/centre/sessions/{session.pk}/"))
    assert 'id="hold-form"' not in page and "once it has started" in page
    early = tutor.post(f"{BASE}/centre/sessions/{session.pk}/", {"action": "hold"}, follow=True)
    assert "The session has not started yet." in html(early)

    started(session)
    tutor.post(f"{BASE}/centre/sessions/{session.pk}/", {"action": "hold"})
    # Closing before the outcome is recorded is refused with a message.
    refused = tutor.post(f"{BASE}/centre/sessions/{session.pk}/", {"action": "close"}, follow=True)
    assert "Record the outcome before closing the session." in html(refused)
    bad_file = tutor.post(
        f"{BASE}/centre/sessions/{session.pk}/",
        {"action": "outcome", "summary": "Разобрали", "files": [upload_file("x.exe", b"MZ")]},
    )
    assert bad_file.status_code == 200 and 'class="field has-error"' in html(bad_file)
    saved = tutor.post(
        f"{BASE}/centre/sessions/{session.pk}/",
        {
            "action": "outcome",
            "summary": "Разобрали структуру программы",
            "recommendations": "Добавить планируемые результаты",
            "files": [upload_file("программа-с-пометками.docx", docx_bytes("пометки"))],
        },
    )
    assert saved.status_code == 302
    tutor.post(f"{BASE}/centre/sessions/{session.pk}/", {"action": "close", "comment": "Спасибо"})
    with in_centre_schema():
        closed = HelpHourRequest.objects.get(pk=request.pk)
        file_id = HelpHourSession.objects.get(pk=session.pk).outcome_files.get().pk
    assert closed.status == Status.CLOSED

    school = as_(people, "requester", SCHOOL1)
    page = html(school.get(f"{BASE}/{request.pk}/"))
    assert 'data-status="closed"' in page
    assert "Разобрали структуру программы" in page and "Добавить планируемые результаты" in page
    assert f"{BASE}/files/{file_id}/" in page and 'id="rating-form"' in page
    download = school.get(f"{BASE}/files/{file_id}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == docx_bytes("пометки")
    assert as_(people, "other_admin", SCHOOL2).get(f"{BASE}/files/{file_id}/").status_code == 404

    school.post(
        f"{BASE}/sessions/{session.pk}/rate/", {"score": "5", "comment": "Полезно", "request_id": request.pk}
    )
    with in_centre_schema():
        assert HelpHourSession.objects.get(pk=session.pk).ratings.get().score == 5
    # Someone who took no part cannot rate.
    outsider = as_(people, "outsider", SCHOOL1).post(f"{BASE}/sessions/{session.pk}/rate/", {"score": "1"})
    assert outsider.status_code == 403


def test_a_tutor_sees_their_sessions_and_another_tutor_does_not(people: Cast) -> None:
    request = accepted_request(people)
    session = schedule(people, [request])
    mine = html(as_(people, "tutor", CENTRE).get(f"{BASE}/centre/mine/"))
    assert f'id="session-{session.pk}"' in mine
    other = as_(people, "tutor2", CENTRE)
    assert f'id="session-{session.pk}"' not in html(other.get(f"{BASE}/centre/mine/"))
    assert other.get(f"{BASE}/centre/sessions/{session.pk}/").status_code == 404
    assert other.get(f"{BASE}/centre/{request.pk}/").status_code == 404


# --- figures and the export --------------------------------------------------------------------


def test_the_figures_page_counts_and_the_export_status_endpoint_reports_progress_and_the_file(
    people: Cast,
) -> None:
    new_request(people)
    new_request(people, by="other_teacher", participants=("other_teacher",))
    client = as_(people, "centre_admin", CENTRE)
    page = html(client.get(f"{BASE}/centre/figures/"))
    assert 'id="total">2<' in page
    assert people.district.school_a.short_name in page and people.district.school_b.short_name in page

    started_export = client.post(f"{BASE}/centre/figures/", {})
    with in_centre_schema():
        export = HelpHourExport.objects.get(requested_by=people.user("centre_admin"))
    assert started_export.status_code == 302 and started_export["Location"].endswith(f"?export={export.pk}")
    page = html(client.get(started_export["Location"]))
    assert (
        f'data-status-url="{BASE}/centre/exports/{export.pk}/"' in page and "js/help_hour_export.js" in page
    )

    status = client.get(f"{BASE}/centre/exports/{export.pk}/").json()
    assert status["state"] == "pending" and status["ready"] is False and status["download_url"] is None
    assert client.get(f"{BASE}/centre/exports/{export.pk}/download/").status_code == 404

    with in_centre_schema():  # what the worker does (tested with the real worker in test_export.py)
        services.export_build(export_id=export.pk)
    status = client.get(f"{BASE}/centre/exports/{export.pk}/").json()
    assert status["state"] == "done" and status["progress"] == 100 and status["ready"] is True
    download = client.get(status["download_url"])
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book.worksheets[0]["B4"].value == 2

    # The status is the centre staff's: a teacher gets a 403 body, not a page.
    teacher = as_(people, "requester", CENTRE).get(f"{BASE}/centre/exports/{export.pk}/")
    assert teacher.status_code == 403 and teacher.json()["error"] == "permission_denied"


def test_the_dashboard_card_offers_each_role_its_help_hour_pages(people: Cast) -> None:
    teacher = html(as_(people, "requester", SCHOOL1).get("/"))
    assert 'id="help-hour-card"' in teacher and f"{BASE}/new/" in teacher and f"{BASE}/centre/" not in teacher
    methodologist = html(as_(people, "methodologist", CENTRE).get("/"))
    assert f"{BASE}/centre/" in methodologist and f"{BASE}/centre/figures/" in methodologist
    assert f"{BASE}/new/" not in methodologist
    tutor = html(as_(people, "tutor", CENTRE).get("/"))
    assert f"{BASE}/centre/mine/" in tutor and f"{BASE}/centre/figures/" not in tutor
    # The index sends each to their page.
    assert as_(people, "requester", SCHOOL1).get(f"{BASE}/")["Location"] == f"{BASE}/requests/"
    assert as_(people, "methodologist", CENTRE).get(f"{BASE}/")["Location"] == f"{BASE}/centre/"
    assert as_(people, "tutor", CENTRE).get(f"{BASE}/")["Location"] == f"{BASE}/centre/mine/"


@pytest.mark.parametrize(
    "back", ["https://evil.example/x", "//evil.example/x", "/\\evil.example/x", "javascript:alert(1)"]
)
def test_the_join_pages_back_parameter_never_leads_off_the_site(people: Cast, back: str) -> None:
    """``back`` is checked with ``url_has_allowed_host_and_scheme``: only this site's addresses."""
    request = accepted_request(people)
    session = schedule(people, [request], starts_at=timezone.now() + timedelta(hours=2))
    colleague = as_(people, "colleague", SCHOOL1)

    early = colleague.get(f"{BASE}/sessions/{session.pk}/join/", {"back": back})

    assert early.status_code == 302 and early["Location"] == "/"
    own = colleague.get(f"{BASE}/sessions/{session.pk}/join/", {"back": f"{BASE}/{request.pk}/"})
    assert own["Location"] == f"{BASE}/{request.pk}/"
