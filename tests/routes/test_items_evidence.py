"""Plan items (bad input, targets of real objects), evidence added, found and confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.services import booking_mark
from tests.consultations.factories import OfferingFactory, SlotFactory, book_slot
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import collect, services
from tutorials.routes.errors import StaleVersionError
from tutorials.routes.models import Evidence, PlanItem, TargetKind
from tutornet.errors import PermissionDeniedError, TutornetError

from .helpers import draft


def test_bad_item_input_says_what_and_writes_nothing(cast: Cast) -> None:
    route = draft(cast, items=0)
    teacher = cast.user("teacher")
    with pytest.raises(TutornetError, match="Write the task") as caught:
        services.item_add(actor=teacher, route_id=route.pk, version=route.version, task="  ")
    assert caught.value.field == "task"
    with pytest.raises(TutornetError, match="form from the list"):
        services.item_add(actor=teacher, route_id=route.pk, version=route.version, task="t", form="juggling")
    assert not PlanItem.objects.filter(route=route).exists()


def test_item_edits_are_versioned(cast: Cast) -> None:
    route = draft(cast)
    item = route.items.get()
    services.item_update(
        actor=cast.user("teacher"), item_id=item.pk, version=item.version, status="in_progress"
    )
    with pytest.raises(StaleVersionError):
        services.item_update(actor=cast.user("tutor"), item_id=item.pk, version=item.version, status="done")
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_a_target_that_is_not_here_is_refused(cast: Cast) -> None:
    route = draft(cast)
    item = route.items.get()
    with pytest.raises(TutornetError, match="no such object"):
        services.item_set_target(
            actor=cast.user("teacher"),
            item_id=item.pk,
            version=item.version,
            kind=TargetKind.TUTORIAL,
            object_id=987654,
        )
    with pytest.raises(TutornetError, match="from the list"):
        services.item_set_target(
            actor=cast.user("teacher"), item_id=item.pk, version=item.version, kind="spaceship", object_id=1
        )
    item.refresh_from_db()
    assert (item.target_kind, item.target_id) == ("", None)


def test_own_evidence_and_the_tutors_confirmation(cast: Cast) -> None:
    route = draft(cast)
    teacher = cast.user("teacher")
    with pytest.raises(TutornetError, match="https://"):
        services.evidence_add(
            actor=teacher, route_id=route.pk, kind=Evidence.Kind.LINK, title="Курс", url="ftp://x"
        )
    evidence = services.evidence_add(
        actor=teacher,
        route_id=route.pk,
        kind=Evidence.Kind.LINK,
        title="Удостоверение КПК",
        url="https://kpk.example/1",
    )
    assert evidence.added_by == teacher
    with pytest.raises(PermissionDeniedError):
        services.evidence_confirm(actor=teacher, evidence_id=evidence.pk)
    services.evidence_confirm(actor=cast.user("tutor"), evidence_id=evidence.pk, comment="Принято")
    evidence.refresh_from_db()
    assert evidence.confirmed_by == cast.user("tutor") and evidence.tutor_comment == "Принято"


def test_a_consultation_held_attaches_itself_once(cast: Cast) -> None:
    route = draft(cast)
    teacher = cast.user("teacher")
    slot = SlotFactory(
        offering=OfferingFactory(tutor=cast.user("tutor"), subject=cast.subject),
        starts_at=timezone.now() - timedelta(minutes=50),
    )
    booking = book_slot(slot, teacher)
    booking_mark(
        booking_id=booking.pk, actor=cast.user("tutor"), status="held", outcome_note="Разобрали дроби"
    )
    found = collect.evidence_collect(actor=teacher, route_id=route.pk)
    assert [(e.kind, e.note) for e in found] == [("consultation", "Разобрали дроби")]
    assert collect.evidence_collect(actor=teacher, route_id=route.pk) == []
    assert route.evidence.count() == 1
    # Someone else's route sees nothing of it.
    other = draft(cast, "teacher2")
    assert collect.evidence_collect(actor=cast.user("teacher2"), route_id=other.pk) == []


def test_tutorial_attendance_and_its_certificate_attach_to_the_item_on_that_topic(cast: Cast) -> None:
    from tests.tutorials.factories import published, register
    from tutorials.models import Session, Tutorial
    from tutorials.services import attendance_mark, certificates_issue_for_tutorial

    topic = cast.topics["2.1"]
    tutorial = published(cast.tutor, title="Уравнения: разбор", topic_ids=[topic.pk])
    register(tutorial, cast.teacher)
    start = timezone.now() - timedelta(hours=3)  # held and over: certificates can be issued
    Session.objects.filter(tutorial=tutorial).update(starts_at=start, ends_at=start + timedelta(hours=2))
    Tutorial.objects.filter(pk=tutorial.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    tutorial.refresh_from_db()
    session = tutorial.sessions.get()
    tutor = cast.tutor
    attendance_mark(
        session=session, user_id=cast.user("teacher").pk, present=True, actor=tutor.user, membership=tutor
    )
    certificates_issue_for_tutorial(tutorial=tutorial, actor=tutor.user, membership=tutor)

    route = draft(cast, items=0)
    teacher = cast.user("teacher")
    item = services.item_add(
        actor=teacher, route_id=route.pk, version=route.version, task="Уравнения", topic_id=topic.pk
    )
    found = collect.evidence_collect(actor=teacher, route_id=route.pk)
    by_kind = {e.kind: e for e in found}
    assert set(by_kind) == {Evidence.Kind.TUTORIAL, Evidence.Kind.CERTIFICATE}
    assert by_kind[Evidence.Kind.TUTORIAL].item_id == item.pk
    assert by_kind[Evidence.Kind.TUTORIAL].title == "Уравнения: разбор"
    # The tutor confirms what the platform found.
    services.evidence_confirm(actor=cast.user("tutor"), evidence_id=by_kind[Evidence.Kind.TUTORIAL].pk)
    assert route.evidence.filter(confirmed_by=cast.user("tutor")).count() == 1
