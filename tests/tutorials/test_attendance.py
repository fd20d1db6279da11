"""Attendance by the organiser or by the rotating code, feedback, certificates, route evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from tenants.models import Organisation
from tests.conftest import District
from tutorials import checkin, selectors
from tutorials.errors import (
    CheckinClosedError,
    PermissionDeniedError,
    TutorialInvalidError,
    TutornetError,
    WrongCodeError,
)
from tutorials.models import Attendance, Certificate, Session, Tutorial
from tutorials.services import (
    attendance_mark,
    certificates_issue_for_tutorial,
    checkin_with_code,
    feedback_submit,
)

from .factories import organiser_in, published, register, teacher_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def _running(centre: Organisation, district: District, **overrides: object) -> tuple:  # type: ignore[type-arg]
    """A tutorial with one registered teacher, moved (in the database) to have started 10 minutes ago."""
    tutor = organiser_in(centre)
    tutorial = published(tutor, **overrides)
    teacher = teacher_of(district.school_a)
    register(tutorial, teacher)
    start = timezone.now() - timedelta(minutes=10)
    Session.objects.filter(tutorial=tutorial).update(starts_at=start, ends_at=start + timedelta(hours=2))
    Tutorial.objects.filter(pk=tutorial.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    tutorial.refresh_from_db()
    return tutor, tutorial, teacher, tutorial.sessions.get()


def test_a_participant_checks_in_with_the_code_on_the_screen(
    district: District, centre: Organisation
) -> None:
    _tutor, _tutorial, teacher, session = _running(centre, district)
    attendance = checkin_with_code(
        session=session, user=teacher.user, code=checkin.code_now(session.checkin_secret)
    )
    assert attendance.method == Attendance.Method.CODE
    # Twice is harmless.
    checkin_with_code(session=session, user=teacher.user, code=checkin.code_now(session.checkin_secret))
    assert Attendance.objects.filter(session=session, user=teacher.user).count() == 1


def test_a_wrong_or_late_code_is_refused_and_records_nothing(
    district: District, centre: Organisation
) -> None:
    _tutor, _tutorial, teacher, session = _running(centre, district)
    right = checkin.code_now(session.checkin_secret)
    with pytest.raises(WrongCodeError, match="Wrong code"):
        checkin_with_code(session=session, user=teacher.user, code=str((int(right) + 1) % 10**6).zfill(6))
    late = session.ends_at + checkin.MARGIN + timedelta(minutes=1)
    with pytest.raises(CheckinClosedError, match="closed"):
        checkin_with_code(
            session=session, user=teacher.user, code=checkin.code_now(session.checkin_secret, late), now=late
        )
    assert not Attendance.objects.filter(session=session).exists()


def test_someone_not_registered_cannot_check_in(district: District, centre: Organisation) -> None:
    _tutor, _tutorial, _teacher, session = _running(centre, district)
    stranger = teacher_of(district.school_b)
    with pytest.raises(TutornetError, match="registered participants"):
        checkin_with_code(session=session, user=stranger.user, code=checkin.code_now(session.checkin_secret))


def test_the_organiser_marks_attendance_and_a_teacher_cannot(
    district: District, centre: Organisation
) -> None:
    tutor, _tutorial, teacher, session = _running(centre, district)
    attendance_mark(
        session=session, user_id=teacher.user.pk, present=True, actor=tutor.user, membership=tutor
    )
    assert Attendance.objects.get(session=session, user=teacher.user).method == Attendance.Method.ORGANISER
    attendance_mark(
        session=session, user_id=teacher.user.pk, present=False, actor=tutor.user, membership=tutor
    )
    assert not Attendance.objects.filter(session=session).exists()
    with pytest.raises(PermissionDeniedError):
        attendance_mark(
            session=session, user_id=teacher.user.pk, present=True, actor=teacher.user, membership=teacher
        )
    other_tutor = organiser_in(centre)
    with pytest.raises(PermissionDeniedError):
        attendance_mark(
            session=session,
            user_id=teacher.user.pk,
            present=True,
            actor=other_tutor.user,
            membership=other_tutor,
        )


def test_feedback_needs_a_rating_from_1_to_5_and_attendance(district: District, centre: Organisation) -> None:
    tutor, tutorial, teacher, session = _running(centre, district)
    with pytest.raises(TutornetError, match="attended"):
        feedback_submit(tutorial=tutorial, user=teacher.user, rating=5, useful="", will_use="")
    attendance_mark(
        session=session, user_id=teacher.user.pk, present=True, actor=tutor.user, membership=tutor
    )
    for bad in (None, "", 0, 6, "x"):
        with pytest.raises(TutornetError, match="1 to 5") as caught:
            feedback_submit(tutorial=tutorial, user=teacher.user, rating=bad, useful="", will_use="")  # type: ignore[arg-type]
        assert caught.value.field == "rating"
    feedback_submit(
        tutorial=tutorial, user=teacher.user, rating=4, useful="Критерии", will_use="Разбор задач"
    )
    summary = selectors.feedback_summary(tutorial)
    assert summary.count == 1 and summary.average == 4 and summary.distribution[4] == 1
    assert summary.useful == ["Критерии"] and summary.will_use == ["Разбор задач"]


def test_certificates_go_to_those_who_attended_and_become_route_evidence(
    district: District, centre: Organisation
) -> None:
    tutor, tutorial, teacher, session = _running(centre, district)
    absent = teacher_of(district.school_b)
    with pytest.raises(TutorialInvalidError, match="Nobody"):
        certificates_issue_for_tutorial(tutorial=tutorial, actor=tutor.user, membership=tutor)
    checkin_with_code(session=session, user=teacher.user, code=checkin.code_now(session.checkin_secret))
    ids = certificates_issue_for_tutorial(tutorial=tutorial, actor=tutor.user, membership=tutor)
    certificate = Certificate.objects.get(pk__in=ids)
    assert certificate.user_id == teacher.user.pk
    assert certificate.title == tutorial.title and certificate.kind_label == "семинаре"
    assert certificate.holder_name == teacher.user.get_full_name()
    local_start = timezone.localtime(session.starts_at, centre.zone)
    year = local_start.year if local_start.month >= 9 else local_start.year - 1
    evidence = selectors.evidence_for(teacher.user.pk, year)
    assert [a.session_id for a in evidence.attended] == [session.pk]
    assert [c.pk for c in evidence.certificates] == [certificate.pk]
    assert selectors.evidence_for(absent.user.pk, year).attended == []
    assert selectors.evidence_for(teacher.user.pk, year - 1).certificates == []
