"""Building blocks for the campaign tests: the people of a district, a small codifier,
items made through the bank's services, campaigns through ours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Membership, Role, User
from codifier.models import Codifier, CompetenceBlock, Exam, Topic
from tenants.models import AcademicYear, Subject
from tests.conftest import District, member
from tests.factories import SubjectFactory
from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.models import Campaign, Question
from tutorials.diagnostics.models import ItemType, ItemVersion
from tutorials.diagnostics.services.items import item_create


@dataclass
class Cast:
    district: District
    subject: Subject
    year: AcademicYear
    topics: dict[str, Topic]
    methodologist: Membership
    tutor: Membership  # a municipal tutor of the subject
    other_tutor: Membership  # a municipal tutor of another subject
    teacher: Membership  # school A, teaches the subject
    teacher2: Membership  # school A, teaches the subject
    teacher_b: Membership  # school B, teaches the subject
    physics_teacher: Membership  # school A, another subject
    admin_a: Membership
    admin_b: Membership
    versions: dict[str, ItemVersion] = field(default_factory=dict)

    def user(self, name: str) -> User:
        return getattr(self, name).user


def _with_subject(membership: Membership, *subjects: Subject) -> Membership:
    membership.subjects.add(*subjects)
    return membership


def make_cast(district: District) -> Cast:
    subject = SubjectFactory()
    other = SubjectFactory()
    year, _ = AcademicYear.objects.get_or_create(
        name="2026/2027", defaults={"starts_on": "2026-09-01", "ends_on": "2027-08-31"}
    )
    codifier = Codifier.objects.create(subject=subject, exam=Exam.OGE, academic_year=year, title="КЭС ОГЭ")
    topics = {
        code: Topic.objects.create(
            codifier=codifier, code=code, title=title, position=i, competence_block=block
        )
        for i, (code, title, block) in enumerate(
            [
                ("1.1", "Натуральные числа", CompetenceBlock.SUBJECT),
                ("1.2", "Дроби", CompetenceBlock.SUBJECT),
                ("2.1", "Уравнения", CompetenceBlock.SUBJECT),
                ("3.1", "Функции", CompetenceBlock.SUBJECT),
            ]
        )
    }
    cast = Cast(
        district=district,
        subject=subject,
        year=year,
        topics=topics,
        methodologist=member(district.centre, Role.METHODOLOGIST),
        tutor=_with_subject(member(district.centre, Role.TUTOR), subject),
        other_tutor=_with_subject(member(district.centre, Role.TUTOR), other),
        teacher=_with_subject(member(district.school_a, Role.TEACHER), subject),
        teacher2=_with_subject(member(district.school_a, Role.TEACHER), subject),
        teacher_b=_with_subject(member(district.school_b, Role.TEACHER), subject),
        physics_teacher=_with_subject(member(district.school_a, Role.TEACHER), other),
        admin_a=member(district.school_a, Role.SCHOOL_ADMIN),
        admin_b=member(district.school_b, Role.SCHOOL_ADMIN),
    )
    return cast


def make_items(cast: Cast) -> dict[str, ItemVersion]:
    """Five items (run inside the centre's schema): single (1.1), multiple (1.2),
    short (2.1), numeric (1.1 and 2.1), extended worth 3 (3.1)."""
    t = cast.topics
    author = cast.user("methodologist")
    specs: list[tuple[str, str, dict[str, Any], list[Topic], int]] = [
        (
            ItemType.SINGLE,
            "2 + 2 = ?",
            {"choices": [{"id": "a", "text": "3"}, {"id": "b", "text": "4", "correct": True}]},
            [t["1.1"]],
            1,
        ),
        (
            ItemType.MULTIPLE,
            "Какие дроби равны 1/2?",
            {
                "choices": [
                    {"id": "a", "text": "2/4", "correct": True},
                    {"id": "b", "text": "3/6", "correct": True},
                    {"id": "c", "text": "2/3"},
                ]
            },
            [t["1.2"]],
            2,
        ),
        (ItemType.SHORT, "Решите x + 1 = 4", {"answers": ["3"]}, [t["2.1"]], 1),
        (
            ItemType.NUMERIC,
            "Корень уравнения 2x = 7",
            {"value": "3.5", "tolerance": "0"},
            [t["1.1"], t["2.1"]],
            1,
        ),
        (
            ItemType.EXTENDED,
            "Постройте график y = x²",
            {"rubric": "<p>Парабола, вершина в нуле</p>", "criteria": [{"text": "график", "points": 3}]},
            [t["3.1"]],
            3,
        ),
    ]
    versions = {}
    for kind, text, body, topics, points in specs:
        item = item_create(
            subject=cast.subject,
            type=kind,
            text=text,
            body=body,
            topics=topics,
            actor=author,
            max_points=points,
            name=text[:30],
        )
        versions[kind] = ItemVersion.objects.get(pk=item.current_version_id)
    cast.versions = versions
    return versions


def draft_campaign(
    cast: Cast,
    *,
    title: str = "Черновик",
    opens_in: timedelta = timedelta(hours=1),
    closes_in: timedelta = timedelta(days=1),
    minutes: int = 30,
) -> Campaign:
    """A draft fixed-form campaign of all five items (made anew), opening ``opens_in`` from now."""
    now = timezone.now()
    versions = make_items(cast)
    return services.campaign_create(
        membership=cast.methodologist,
        title=title,
        academic_year=cast.year,
        subject=cast.subject,
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        time_limit_minutes=minutes,
        version_ids=[v.pk for v in versions.values()],
    )


def open_campaign(
    cast: Cast,
    *,
    now: datetime | None = None,
    minutes: int = 30,
    closes_in: timedelta = timedelta(hours=2),
    schools: list[int] | None = None,
    names: bool = False,
    threshold: int = 60,
    questionnaire: bool = True,
) -> Campaign:
    """A published fixed-form campaign of all five items, open since an hour ago."""
    now = now or timezone.now()
    versions = cast.versions or make_items(cast)
    campaign = services.campaign_create(
        membership=cast.methodologist,
        title="Сентябрьская диагностика",
        academic_year=cast.year,
        subject=cast.subject,
        opens_at=now - timedelta(hours=1),
        closes_at=now + closes_in,
        time_limit_minutes=minutes,
        deficit_threshold=threshold,
        school_admins_see_names=names,
        audience_school_ids=schools or [],
        version_ids=[v.pk for v in versions.values()],
    )
    if questionnaire:
        services.question_add(
            membership=cast.methodologist,
            campaign_id=campaign.pk,
            kind=Question.Kind.SCALE,
            text="Решение уравнений",
            topic_id=cast.topics["2.1"].pk,
        )
        services.question_add(
            membership=cast.methodologist,
            campaign_id=campaign.pk,
            kind=Question.Kind.SCALE,
            text="Нормативные документы ГИА",
            competence_block=CompetenceBlock.NORMATIVE,
        )
        services.question_add(
            membership=cast.methodologist,
            campaign_id=campaign.pk,
            kind=Question.Kind.TEXT,
            text="Что ещё вызывает затруднения?",
        )
    return services.campaign_publish(membership=cast.methodologist, campaign_id=campaign.pk, now=now)


# Full marks on every auto-scored item.
RIGHT = {
    ItemType.SINGLE: {"choice": "b"},
    ItemType.MULTIPLE: {"choices": ["a", "b"]},
    ItemType.SHORT: {"text": " 3 "},
    ItemType.NUMERIC: {"value": "3,5"},
    ItemType.EXTENDED: {"text": "Парабола с вершиной в начале координат"},
}
WRONG = {
    ItemType.SINGLE: {"choice": "a"},
    ItemType.MULTIPLE: {"choices": ["c"]},
    ItemType.SHORT: {"text": "4"},
    ItemType.NUMERIC: {"value": "3"},
    ItemType.EXTENDED: {"text": "Прямая"},
}
