"""Creating and publishing tutorials: validation, sanitised text, the audience told, route flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from accounts.models import Role
from notifications.models import Kind, Notification
from tenants.models import Organisation
from tests.conftest import District, member
from tests.factories import SubjectFactory
from tutorials import selectors
from tutorials.errors import PermissionDeniedError, TutorialInvalidError
from tutorials.models import Session, Tutorial
from tutorials.services import tutorial_create

from .factories import data, organiser_in, published, teacher_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def test_a_tutor_creates_a_draft_with_sanitised_description_and_sessions(centre: Organisation) -> None:
    tutor = organiser_in(centre)
    start = timezone.now() + timedelta(days=5)
    tutorial = tutorial_create(
        data=data(
            description='<p onclick="x()">Hi<script>alert(1)</script></p>',
            sessions=[
                (start + timedelta(days=7), start + timedelta(days=7, hours=2)),
                (start, start + timedelta(hours=2)),
            ],
        ),
        actor=tutor.user,
        membership=tutor,
    )
    assert tutorial.status == Tutorial.Status.DRAFT
    assert tutorial.description == "<p>Hi</p>"
    assert list(tutorial.sessions.values_list("starts_at", flat=True)) == [start, start + timedelta(days=7)]
    assert tutorial.starts_at == start and tutorial.registration_closes_at == start
    assert list(tutorial.organisers.all()) == [tutor.user]
    assert len({s.checkin_secret for s in tutorial.sessions.all()}) == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": " "}, "title"),
        ({"capacity": 0}, "capacity"),
        ({"sessions": []}, "sessions"),
        ({"place": ""}, "place"),
        ({"audience_all": False}, "audience"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_writes_nothing(
    centre: Organisation, overrides: dict[str, object], field: str
) -> None:
    tutor = organiser_in(centre)
    before = Tutorial.objects.count(), Session.objects.count()
    with pytest.raises(TutorialInvalidError) as caught:
        tutorial_create(data=data(**overrides), actor=tutor.user, membership=tutor)
    assert caught.value.field == field
    assert (Tutorial.objects.count(), Session.objects.count()) == before


def test_overlapping_sessions_and_a_session_ending_before_it_starts_are_refused(centre: Organisation) -> None:
    tutor = organiser_in(centre)
    start = timezone.now() + timedelta(days=2)
    with pytest.raises(TutorialInvalidError, match="overlap"):
        tutorial_create(
            data=data(
                sessions=[
                    (start, start + timedelta(hours=2)),
                    (start + timedelta(hours=1), start + timedelta(hours=3)),
                ]
            ),
            actor=tutor.user,
            membership=tutor,
        )
    with pytest.raises(TutorialInvalidError, match="end after"):
        tutorial_create(data=data(sessions=[(start, start)]), actor=tutor.user, membership=tutor)


def test_a_teacher_cannot_create_a_tutorial(district: District, centre: Organisation) -> None:
    teacher = teacher_of(district.school_a)
    with pytest.raises(PermissionDeniedError):
        tutorial_create(data=data(), actor=teacher.user, membership=teacher)


def test_speakers_must_be_tutors_or_methodologists_here(district: District, centre: Organisation) -> None:
    tutor = organiser_in(centre)
    teacher = teacher_of(district.school_a)
    with pytest.raises(TutorialInvalidError, match="tutors or methodologists"):
        tutorial_create(data=data(speaker_ids=[teacher.user.pk]), actor=tutor.user, membership=tutor)


def test_publishing_notifies_the_audience_of_the_district(district: District, centre: Organisation) -> None:
    tutor = organiser_in(centre)
    math = SubjectFactory()
    history = SubjectFactory()
    math_teacher = teacher_of(district.school_a)
    math_teacher.subjects.add(math)
    history_teacher = teacher_of(district.school_b)
    history_teacher.subjects.add(history)
    tutorial = published(tutor, audience_all=False, audience_subject_ids=[math.pk])
    told = set(
        Notification.objects.filter(
            kind=Kind.TUTORIAL_PUBLISHED, subject__contains=tutorial.title
        ).values_list("recipient_id", flat=True)
    )
    assert math_teacher.user.pk in told
    assert history_teacher.user.pk not in told
    assert tutor.user.pk not in told


def test_catalogue_shows_a_teacher_only_their_audience(district: District, centre: Organisation) -> None:
    tutor = organiser_in(centre)
    math = SubjectFactory()
    for_school_a = published(tutor, audience_all=False, audience_school_ids=[district.school_a.pk])
    for_math = published(tutor, audience_all=False, audience_subject_ids=[math.pk])
    for_all = published(tutor)
    draft = published(tutor, publish=False)
    teacher_b = teacher_of(district.school_b)
    teacher_b.subjects.add(math)
    teacher_a = teacher_of(district.school_a)
    seen_b = set(selectors.catalogue(membership=teacher_b).values_list("pk", flat=True))
    seen_a = set(selectors.catalogue(membership=teacher_a).values_list("pk", flat=True))
    assert {for_math.pk, for_all.pk} <= seen_b and for_school_a.pk not in seen_b
    assert {for_school_a.pk, for_all.pk} <= seen_a and for_math.pk not in seen_a
    assert draft.pk not in seen_a | seen_b
    staff = member(centre, Role.METHODOLOGIST)
    assert draft.pk in set(
        selectors.catalogue(membership=staff, everything=True).values_list("pk", flat=True)
    )


def test_tutorials_on_a_teachers_deficit_topics_are_flagged(centre: Organisation) -> None:
    from datetime import date

    from codifier.models import Codifier, Topic
    from tenants.models import AcademicYear
    from tests.factories import unique

    subject = SubjectFactory()
    year = AcademicYear.objects.create(
        name=unique("y")[:20], starts_on=date(2040, 9, 1), ends_on=date(2041, 8, 31)
    )
    codifier = Codifier.objects.create(subject=subject, academic_year=year, title="ОГЭ математика")
    topic_a = Topic.objects.create(codifier=codifier, code="1.1", title="Числа")
    topic_b = Topic.objects.create(codifier=codifier, code="2.1", title="Уравнения")
    tutor = organiser_in(centre)
    on_a = published(tutor, topic_ids=[topic_a.pk])
    on_b = published(tutor, topic_ids=[topic_b.pk])
    listed = list(selectors.catalogue(membership=tutor, everything=True))
    assert selectors.on_route(listed, [topic_a.pk]) == {on_a.pk}
    assert selectors.on_route(listed, []) == set()
    assert on_b.pk not in selectors.on_route(listed, [topic_a.pk])
