"""Check-in with the rotating code per track session, and the event's certificate."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tutorials.certificates import certificate_pdf
from tutorials.checkin import code_now
from tutorials.events import services
from tutorials.events.models import Attendance, Block
from tutornet.errors import PermissionDeniedError, TutornetError

from .helpers import Cast, register, week


def _running_track(cast: Cast, **fields):  # type: ignore[no-untyped-def]
    """An event whose first block is running now, with teacher 0 placed in its first track."""
    event, blocks, tracks = week(cast.organiser, starts_on=timezone.localdate(), hours=18, **fields)
    now = timezone.now()
    Block.objects.filter(pk=blocks[0].pk).update(
        starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1)
    )
    teacher = cast.teachers[0]
    participant = register(teacher, event)
    track = tracks[0][0]
    services.assignment_move(
        actor=cast.organiser.user,
        membership=cast.organiser,
        participant_id=participant.pk,
        block_id=blocks[0].pk,
        track_id=track.pk,
    )
    track.refresh_from_db()
    return event, blocks[0], track, teacher, participant


def test_the_code_on_the_screen_checks_the_participant_in_once(cast: Cast) -> None:
    _, _, track, teacher, participant = _running_track(cast)
    services.check_in(
        actor=teacher.user, membership=teacher, track_id=track.pk, code=code_now(track.checkin_secret)
    )
    services.check_in(
        actor=teacher.user, membership=teacher, track_id=track.pk, code=code_now(track.checkin_secret)
    )
    assert Attendance.objects.filter(participant=participant, track=track, how="code").count() == 1


def test_a_wrong_code_is_refused_with_a_clear_message_and_records_nothing(cast: Cast) -> None:
    _, _, track, teacher, _ = _running_track(cast)
    wrong = "000000" if code_now(track.checkin_secret) != "000000" else "111111"
    with pytest.raises(TutornetError, match="Wrong code"):
        services.check_in(actor=teacher.user, membership=teacher, track_id=track.pk, code=wrong)
    assert not Attendance.objects.filter(track=track).exists()


def test_a_late_code_is_refused_after_the_session(cast: Cast) -> None:
    _, block, track, teacher, _ = _running_track(cast)
    now = timezone.now()
    Block.objects.filter(pk=block.pk).update(
        starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=2)
    )
    with pytest.raises(TutornetError, match="closed"):
        services.check_in(
            actor=teacher.user, membership=teacher, track_id=track.pk, code=code_now(track.checkin_secret)
        )
    assert not Attendance.objects.filter(track=track).exists()


def test_only_the_tracks_participants_check_in_there(cast: Cast) -> None:
    event, _, track, _, _ = _running_track(cast)
    other = cast.teachers[1]
    register(other, event)
    with pytest.raises(PermissionDeniedError):
        services.check_in(
            actor=other.user, membership=other, track_id=track.pk, code=code_now(track.checkin_secret)
        )


def test_the_certificate_needs_attendance_and_its_pdf_names_the_week(cast: Cast) -> None:
    event, _, track, teacher, _ = _running_track(cast)
    with pytest.raises(TutornetError, match="attended"):
        services.event_certificate(actor=teacher.user, membership=teacher, event_id=event.pk)
    services.check_in(
        actor=teacher.user, membership=teacher, track_id=track.pk, code=code_now(track.checkin_secret)
    )
    certificate = services.event_certificate(actor=teacher.user, membership=teacher, event_id=event.pk)
    again = services.event_certificate(actor=teacher.user, membership=teacher, event_id=event.pk)
    assert certificate.pk == again.pk
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(certificate_pdf(certificate))).pages)
    text = " ".join(text.split())
    assert teacher.user.get_full_name() in text
    assert "«Методическая неделя»" in text
    assert "18" in text
    assert cast.organiser.user.get_full_name() in text
    assert f"/certificates/{certificate.token}/" in text


def test_the_organiser_issues_certificates_to_everyone_who_attended(cast: Cast) -> None:
    event, _, track, teacher, participant = _running_track(cast)
    register(cast.teachers[1], event)
    services.attendance_mark(
        actor=cast.organiser.user,
        membership=cast.organiser,
        track_id=track.pk,
        participant_id=participant.pk,
        present=True,
    )
    assert (
        services.event_certificates_issue(
            actor=cast.organiser.user, membership=cast.organiser, event_id=event.pk
        )
        == 1
    )
    assert services.certificate_of(event, teacher.user) is not None
    assert services.certificate_of(event, cast.teachers[1].user) is None
