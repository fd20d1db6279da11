"""Filing requests: where they live, who sees them, who downloads their document, the queue."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from consultations.help_hour import selectors, services
from consultations.help_hour.models import HelpHourRequest, Status
from tests.factories import SubjectFactory
from tests.help_hour.helpers import Cast, docx_bytes, in_centre_schema, new_request, upload
from tutornet.errors import ConflictError, NotFoundError, PermissionDeniedError, TutornetError


def test_a_request_filed_from_a_school_lives_in_the_centres_schema_with_the_schools_id(cast: Cast) -> None:
    request = new_request(cast, document=upload("программа.docx", docx_bytes()))
    with in_centre_schema():
        stored = HelpHourRequest.objects.get(pk=request.pk)
        assert stored.organisation_id == cast.district.school_a.pk
        assert stored.requester_id == cast.user("requester").pk
        assert set(stored.participants.values_list("pk", flat=True)) == {
            cast.user("requester").pk,
            cast.user("colleague").pk,
        }
    with schema_context("school1"):
        assert not HelpHourRequest.objects.filter(pk=request.pk, organisation=cast.district.school_a).exists()
    # The document sits in the centre's folder of the tenant-aware storage.
    path = Path(settings.MEDIA_ROOT) / "centre" / request.document.name
    assert path.read_bytes() == docx_bytes()
    assert request.document_name == "программа.docx"


def test_a_school_lists_only_its_own_requests(cast: Cast) -> None:
    mine = new_request(cast)
    theirs = new_request(cast, by="other_teacher", participants=("other_teacher",))
    school_a = selectors.school_requests(actor=cast.user("school_admin"), membership=cast.school_admin)
    school_b = selectors.school_requests(actor=cast.user("other_admin"), membership=cast.other_admin)
    assert mine.pk in {r.pk for r in school_a} and theirs.pk not in {r.pk for r in school_a}
    assert theirs.pk in {r.pk for r in school_b} and mine.pk not in {r.pk for r in school_b}
    assert all(r.organisation_id == cast.district.school_a.pk for r in school_a)
    # A teacher sees what they filed or take part in, not every request of the school.
    assert [
        r.pk for r in selectors.school_requests(actor=cast.user("colleague"), membership=cast.colleague)
    ] == [mine.pk]
    assert selectors.school_requests(actor=cast.user("outsider"), membership=cast.outsider) == []


def test_another_school_can_neither_open_nor_act_on_a_request(cast: Cast) -> None:
    request = new_request(cast, submit=False, document=upload("plan.docx", docx_bytes()))
    for who in ("other_admin", "other_teacher"):
        with pytest.raises(NotFoundError):
            selectors.request_detail(
                request_id=request.pk, actor=cast.user(who), membership=getattr(cast, who)
            )
        with pytest.raises(NotFoundError):
            selectors.document_open(
                request_id=request.pk, actor=cast.user(who), membership=getattr(cast, who)
            )
        with pytest.raises(PermissionDeniedError):
            services.request_withdraw(
                request_id=request.pk, actor=cast.user(who), membership=getattr(cast, who)
            )


def test_the_document_is_downloadable_only_by_those_involved(cast: Cast) -> None:
    request = new_request(cast, document=upload("plan.docx", docx_bytes()))
    services.request_assign_tutor(
        request_id=request.pk,
        tutor_id=cast.user("tutor").pk,
        actor=cast.user("methodologist"),
        membership=cast.methodologist,
    )
    for who in ("requester", "colleague", "school_admin", "methodologist", "tutor", "centre_admin"):
        handle, name = selectors.document_open(
            request_id=request.pk, actor=cast.user(who), membership=getattr(cast, who)
        )
        with handle:
            assert handle.read() == docx_bytes(), who
        assert name == "plan.docx"
    for who in ("outsider", "other_admin", "other_teacher", "tutor2"):
        with pytest.raises(NotFoundError):
            selectors.document_open(
                request_id=request.pk, actor=cast.user(who), membership=getattr(cast, who)
            )


def test_participants_must_be_active_staff_of_the_requesting_school(cast: Cast) -> None:
    with pytest.raises(TutornetError) as refused:
        new_request(cast, participants=("requester", "other_teacher"))
    assert refused.value.field == "participants"
    cast.colleague.is_active = False
    cast.colleague.save()
    with pytest.raises(TutornetError):
        new_request(cast, participants=("colleague",))


def test_preferred_times_are_checked_and_normalised() -> None:
    cleaned = services.clean_preferred_times(
        [
            {"date": "2031-03-03", "from": "15:00", "to": "16:30"},
            {"date": "2031-03-02", "from": "09:00", "to": "10:00"},
        ]
    )
    assert cleaned[0] == {"date": "2031-03-02", "from": "09:00", "to": "10:00"}
    for bad in (
        [{"date": "03.03.2031", "from": "15:00", "to": "16:00"}],
        [{"date": "2031-03-03", "from": "16:00", "to": "15:00"}],
        [{"date": "2031-03-03", "from": "25:00", "to": "26:00"}],
        ["tomorrow"],
    ):
        with pytest.raises(TutornetError) as refused:
            services.clean_preferred_times(bad)
        assert refused.value.field == "preferred_times"


def test_only_a_teacher_or_school_admin_files_requests(cast: Cast) -> None:
    for who in ("methodologist", "tutor"):
        with pytest.raises(PermissionDeniedError):
            new_request(cast, by=who)


def test_a_draft_is_edited_and_a_submitted_request_is_not(cast: Cast) -> None:
    draft = new_request(cast, submit=False)
    other_subject = SubjectFactory()
    edited = services.request_update(
        request_id=draft.pk,
        actor=cast.user("requester"),
        membership=cast.requester,
        subject=other_subject,
        category="lesson_plan",
        description="Технологическая карта",
        participant_ids=[cast.user("colleague").pk],
        preferred_times=[{"date": "2031-04-01", "from": "10:00", "to": "11:00"}],
        document=upload("card.pdf", b"%PDF-1.7\n%%EOF"),
    )
    assert edited.subject == other_subject and edited.category == "lesson_plan"
    assert [p.pk for p in edited.participants.all()] == [cast.user("colleague").pk]
    assert edited.document_name == "card.pdf"
    services.request_submit(request_id=draft.pk, actor=cast.user("requester"), membership=cast.requester)
    with pytest.raises(ConflictError):
        services.request_update(
            request_id=draft.pk,
            actor=cast.user("requester"),
            membership=cast.requester,
            subject=other_subject,
            category="other",
            description="x",
            participant_ids=[],
            preferred_times=[],
        )


def test_the_queue_filters_by_subject_category_status_school_and_age(cast: Cast) -> None:
    maths = SubjectFactory()
    a = new_request(cast, subject=maths, category="exam_preparation")
    b = new_request(cast, by="other_teacher", participants=("other_teacher",), subject=maths)
    draft = new_request(cast, subject=maths, submit=False)
    with in_centre_schema():
        HelpHourRequest.objects.filter(pk=a.pk).update(submitted_at=timezone.now() - timedelta(days=10))
    methodologist, membership = cast.user("methodologist"), cast.methodologist

    def queue(**filters: object) -> list[int]:
        return [
            r.pk
            for r in selectors.centre_queue(
                actor=methodologist, membership=membership, subject_id=maths.pk, **filters
            )
        ]

    assert queue() == [a.pk, b.pk]  # oldest first, no drafts
    assert draft.pk not in queue()
    assert queue(category="exam_preparation") == [a.pk]
    assert queue(school_id=cast.district.school_b.pk) == [b.pk]
    assert queue(min_age_days=7) == [a.pk]
    assert queue(max_age_days=7) == [b.pk]
    services.request_accept(request_id=b.pk, actor=methodologist, membership=membership)
    assert queue(status=Status.ACCEPTED) == [b.pk]
    assert queue(status=[Status.SUBMITTED, Status.ACCEPTED]) == [a.pk, b.pk]
    with pytest.raises(PermissionDeniedError):
        selectors.centre_queue(actor=cast.user("school_admin"), membership=cast.school_admin)


def test_the_timeline_is_visible_to_the_school_and_the_centre(cast: Cast) -> None:
    request = new_request(cast)
    services.request_accept(
        request_id=request.pk, actor=cast.user("methodologist"), membership=cast.methodologist
    )
    for who in ("requester", "school_admin", "methodologist"):
        timeline = selectors.request_timeline(
            request_id=request.pk, actor=cast.user(who), membership=getattr(cast, who)
        )
        assert [(e.to_status, e.actor_id) for e in timeline] == [
            (Status.DRAFT, cast.user("requester").pk),
            (Status.SUBMITTED, cast.user("requester").pk),
            (Status.ACCEPTED, cast.user("methodologist").pk),
        ]
