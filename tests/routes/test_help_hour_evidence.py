"""A Help Hour session the teacher took part in (as the requester or as a colleague named
in the request) becomes evidence on their route once it is held; before that, or for a
teacher who took no part, nothing is found; found once however often collected."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from consultations.help_hour import services as help_hour
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import collect
from tutorials.routes.models import Evidence

from .helpers import draft


def _session(cast: Cast, *, participants: tuple[str, ...]):  # type: ignore[no-untyped-def]
    request = help_hour.request_create(
        actor=cast.user("teacher"),
        membership=cast.teacher,
        subject=cast.subject,
        category="work_program",
        description="Не получается согласовать рабочую программу с ФОП",
        participant_ids=[cast.user(p).pk for p in participants],
        preferred_times=[{"date": "2031-03-02", "from": "14:00", "to": "16:00"}],
        submit=True,
    )
    help_hour.request_accept(
        request_id=request.pk, actor=cast.user("methodologist"), membership=cast.methodologist
    )
    starts = timezone.now() + timedelta(hours=2)
    session = help_hour.session_schedule(
        request_ids=[request.pk],
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mode="video",
        place="",
        capacity=10,
        tutor_ids=[cast.user("tutor").pk],
        actor=cast.user("methodologist"),
        membership=cast.methodologist,
    )
    return session, starts


def test_a_help_hour_session_taken_part_in_becomes_evidence(cast: Cast) -> None:
    mine = draft(cast)
    colleague = draft(cast, "teacher2")
    outsider = draft(cast, "teacher_b")
    session, starts = _session(cast, participants=("teacher", "teacher2"))
    assert collect.evidence_collect(actor=cast.user("teacher"), route_id=mine.pk) == []  # not held yet
    help_hour.session_mark_held(
        session_id=session.pk,
        actor=cast.user("tutor"),
        membership=cast.tutor,
        now=starts + timedelta(minutes=30),
    )
    for route, who in ((mine, "teacher"), (colleague, "teacher2")):
        found = collect.evidence_collect(actor=cast.user(who), route_id=route.pk)
        assert [(e.kind, e.source_key) for e in found] == [
            (Evidence.Kind.HELP_HOUR, f"helphour:{session.pk}")
        ]
        assert collect.evidence_collect(actor=cast.user(who), route_id=route.pk) == []  # once
    assert collect.evidence_collect(actor=cast.user("teacher_b"), route_id=outsider.pk) == []
    assert Evidence.objects.filter(kind=Evidence.Kind.HELP_HOUR).count() == 2
