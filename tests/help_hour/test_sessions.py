"""Sessions: merging requests within capacity, the video join window, outcome and ratings."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import override

from consultations.help_hour import selectors, services
from consultations.help_hour.files import DocumentError
from consultations.help_hour.models import HelpHourRequest, HelpHourSession, Status, UsefulnessRating
from tests.factories import SubjectFactory
from tests.help_hour.helpers import Cast, accepted_request, docx_bytes, in_centre_schema, schedule, upload
from tutornet.errors import ConflictError, NotFoundError, PermissionDeniedError, TutornetError


def test_requests_of_two_schools_on_one_subject_are_merged_into_one_session(cast: Cast) -> None:
    a = accepted_request(cast)
    b = accepted_request(cast, by="other_teacher", participants=("other_teacher",))
    session = schedule(cast, [a, b], capacity=4)
    assert {r.pk for r in session.requests.all()} == {a.pk, b.pk}
    assert all(r.status == Status.SCHEDULED for r in session.requests.all())
    assert session.video_room.startswith("tutornet-")
    assert [t.pk for t in session.tutors.all()] == [cast.user("tutor").pk]
    # Later requests join the same session.
    c = accepted_request(cast, participants=("outsider",))
    merged = services.session_merge(
        session_id=session.pk,
        request_ids=[c.pk],
        actor=cast.user("methodologist"),
        membership=cast.methodologist,
    )
    with in_centre_schema():
        assert HelpHourRequest.objects.filter(session=merged).count() == 3
        assert HelpHourRequest.objects.get(pk=c.pk).status == Status.SCHEDULED


def test_merging_beyond_capacity_is_refused_with_a_clear_message(cast: Cast) -> None:
    a = accepted_request(cast)  # two participants
    b = accepted_request(cast, by="other_teacher", participants=("other_teacher",))
    with override("en"), pytest.raises(ConflictError) as refused:
        schedule(cast, [a, b], capacity=2)
    assert refused.value.message.startswith("The session has 2 places, but the requests bring 3 participants")
    assert refused.value.field == "capacity"
    session = schedule(cast, [a], capacity=2)
    with override("en"), pytest.raises(ConflictError, match="2 places, but the requests bring 3"):
        services.session_merge(
            session_id=session.pk,
            request_ids=[b.pk],
            actor=cast.user("methodologist"),
            membership=cast.methodologist,
        )
    with in_centre_schema():
        assert HelpHourRequest.objects.get(pk=b.pk).status == Status.ACCEPTED
        assert HelpHourRequest.objects.get(pk=b.pk).session_id is None


def test_a_participant_in_two_requests_takes_one_place(cast: Cast) -> None:
    a = accepted_request(cast, participants=("requester", "colleague"))
    b = accepted_request(cast, by="school_admin", participants=("colleague",))
    assert schedule(cast, [a, b], capacity=2).capacity == 2


def test_only_accepted_requests_on_the_same_subject_are_scheduled(cast: Cast) -> None:
    a = accepted_request(cast)
    other = accepted_request(cast, subject=SubjectFactory())
    with pytest.raises(ConflictError, match="same subject"):
        schedule(cast, [a, other])
    from tests.help_hour.helpers import new_request

    submitted = new_request(cast)
    with pytest.raises(ConflictError):
        schedule(cast, [a, submitted])
    with pytest.raises(TutornetError) as refused:
        schedule(cast, [a], mode="in_person")
    assert refused.value.field == "place"
    session = schedule(cast, [a], mode="in_person", place="ЦРО, каб. 12")
    assert session.video_room == "" and session.place == "ЦРО, каб. 12"


def test_naive_times_are_the_centres_wall_clock(cast: Cast) -> None:
    a = accepted_request(cast)
    local = datetime(2031, 3, 3, 15, 0)
    session = services.session_schedule(
        request_ids=[a.pk],
        starts_at=local,
        ends_at=local + timedelta(hours=1),
        mode="video",
        capacity=5,
        tutor_ids=[cast.user("tutor").pk],
        actor=cast.user("methodologist"),
        membership=cast.methodologist,
    )
    assert session.starts_at == datetime(2031, 3, 3, 15, 0, tzinfo=ZoneInfo(cast.district.centre.time_zone))


def test_a_session_needs_a_tutor_of_the_centre(cast: Cast) -> None:
    a = accepted_request(cast)
    with pytest.raises(TutornetError) as refused:
        services.session_schedule(
            request_ids=[a.pk],
            starts_at=timezone.now() + timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=1, hours=1),
            mode="video",
            capacity=5,
            tutor_ids=[cast.user("colleague").pk],
            actor=cast.user("methodologist"),
            membership=cast.methodologist,
        )
    assert refused.value.field == "tutor"


@override_settings(
    VIDEO_PROVIDER="jitsi", JITSI_HOST="meet.example.org", JITSI_SECRET="", VIDEO_JOIN_OPENS_MINUTES=15
)
def test_the_join_link_is_for_participants_and_tutors_only_within_the_window(cast: Cast) -> None:
    a = accepted_request(cast)
    starts = timezone.now() + timedelta(days=2)
    session = schedule(cast, [a], starts_at=starts)

    def link(who: str, at: datetime) -> str | None:
        return selectors.session_join_url(
            session_id=session.pk, actor=cast.user(who), membership=getattr(cast, who), now=at
        )

    during = starts + timedelta(minutes=10)
    for who in ("requester", "colleague", "tutor"):
        assert link(who, during) == f"https://meet.example.org/{session.video_room}", who
        assert link(who, starts - timedelta(minutes=15)) is not None
        assert link(who, starts - timedelta(minutes=16)) is None
        assert link(who, starts + timedelta(hours=1, seconds=1)) is None
    for who in ("school_admin", "outsider", "tutor2", "methodologist", "other_teacher"):
        assert link(who, during) is None, who


def _held(cast: Cast) -> HelpHourSession:
    a = accepted_request(cast)
    starts = timezone.now() + timedelta(days=1)
    session = schedule(cast, [a], starts_at=starts)
    with pytest.raises(ConflictError, match="not started"):
        services.session_mark_held(session_id=session.pk, actor=cast.user("tutor"), membership=cast.tutor)
    return services.session_mark_held(
        session_id=session.pk,
        actor=cast.user("tutor"),
        membership=cast.tutor,
        now=starts + timedelta(minutes=30),
    )


def test_the_tutor_records_the_outcome_with_returned_files_and_closes(cast: Cast) -> None:
    session = _held(cast)
    tutor = cast.user("tutor")
    with pytest.raises(ConflictError, match="Record the outcome"):
        services.session_close(session_id=session.pk, actor=tutor, membership=cast.tutor)
    with pytest.raises(PermissionDeniedError):
        services.session_record_outcome(
            session_id=session.pk, actor=cast.user("tutor2"), membership=cast.tutor2, summary="x"
        )
    with pytest.raises(DocumentError):
        services.session_record_outcome(
            session_id=session.pk,
            actor=tutor,
            membership=cast.tutor,
            summary="Разобрали",
            files=[upload("annotated.docx", b"not a document")],
        )
    session = services.session_record_outcome(
        session_id=session.pk,
        actor=tutor,
        membership=cast.tutor,
        summary="Разобрали структуру программы",
        recommendations="Дополнить планируемые результаты",
        files=[upload("программа-с-замечаниями.docx", docx_bytes("замечания"))],
    )
    [returned] = session.outcome_files.all()
    assert returned.name == "программа-с-замечаниями.docx"
    handle, name = selectors.outcome_file_open(
        file_id=returned.pk, actor=cast.user("requester"), membership=cast.requester
    )
    with handle:
        assert handle.read() == docx_bytes("замечания")
    with pytest.raises(NotFoundError):
        selectors.outcome_file_open(
            file_id=returned.pk, actor=cast.user("other_admin"), membership=cast.other_admin
        )
    closed = services.session_close(session_id=session.pk, actor=tutor, membership=cast.tutor)
    assert closed.closed_at is not None
    assert {r.status for r in closed.requests.all()} == {Status.CLOSED}
    with pytest.raises(ConflictError):
        services.session_record_outcome(
            session_id=session.pk, actor=tutor, membership=cast.tutor, summary="later"
        )


def test_participants_rate_usefulness_once_each_and_may_change_it(cast: Cast) -> None:
    session = _held(cast)
    teacher = cast.user("colleague")
    services.session_rate(session_id=session.pk, actor=teacher, membership=cast.colleague, score=3)
    rating = services.session_rate(
        session_id=session.pk, actor=teacher, membership=cast.colleague, score=5, comment="Очень полезно"
    )
    assert rating.score == 5
    with in_centre_schema():
        assert UsefulnessRating.objects.filter(session_id=session.pk, user=teacher).count() == 1
    with pytest.raises(TutornetError):
        services.session_rate(session_id=session.pk, actor=teacher, membership=cast.colleague, score=6)
    for who in ("outsider", "other_teacher", "school_admin"):
        with pytest.raises(PermissionDeniedError):
            services.session_rate(
                session_id=session.pk, actor=cast.user(who), membership=getattr(cast, who), score=4
            )


def test_a_session_cannot_be_rated_before_it_is_held(cast: Cast) -> None:
    session = schedule(cast, [accepted_request(cast)])
    with pytest.raises(ConflictError):
        services.session_rate(
            session_id=session.pk, actor=cast.user("requester"), membership=cast.requester, score=4
        )
