"""Tutorials for the demo district: past ones with attendance, feedback and certificates,
upcoming ones with registrations and a waiting list, and a school's own seminar.

Called by ``seed_demo`` after the district exists.  Idempotent: a tutorial is
found by its title and not made again.  Everything goes through the services;
a past tutorial is made as an upcoming one (publishing refuses the past) and
then moved back in time in the database, with its sessions.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role, User
from tenants.models import Organisation, Subject

from .models import Attendance, Session, Tutorial
from .services import (
    certificates_issue_for_tutorial,
    feedback_submit,
    registration_create,
    tutorial_create,
    tutorial_publish,
)
from .services.tutorials import TutorialData

PAST_SEMINAR = "Задания с развёрнутым ответом в ОГЭ по математике: критерии и типичные ошибки"
SCHOOL_SEMINAR = "Семинар ШМО: рабочие программы по обновлённым ФГОС"


def _at(zone, days: int, hour: int, minutes: int = 0) -> datetime:  # type: ignore[no-untyped-def]
    day = timezone.localtime(timezone.now(), zone).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minutes)).replace(tzinfo=zone)


def _teachers(schools: list[Organisation]) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation__in=schools, role=Role.TEACHER, is_active=True)
        .select_related("user", "organisation")
        .order_by("organisation__schema_name", "user__email")
    )


def _make(organiser: Membership, data: TutorialData) -> Tutorial:
    tutorial = tutorial_create(data=data, actor=organiser.user, membership=organiser)
    return tutorial_publish(tutorial=tutorial, actor=organiser.user, membership=organiser)


def _to_past(tutorial: Tutorial, days: int) -> None:
    shift = timedelta(days=days)
    for session in tutorial.sessions.all():
        Session.objects.filter(pk=session.pk).update(
            starts_at=session.starts_at - shift, ends_at=session.ends_at - shift
        )
    Tutorial.objects.filter(pk=tutorial.pk).update(
        starts_at=tutorial.starts_at - shift,  # type: ignore[operator]
        ends_at=tutorial.ends_at - shift,  # type: ignore[operator]
        registration_closes_at=tutorial.registration_closes_at - shift,
    )
    tutorial.refresh_from_db()


def _past_seminar(organiser: Membership, teachers: list[Membership], zone, subject: Subject) -> None:  # type: ignore[no-untyped-def]
    start = _at(zone, 3, 15)
    tutorial = _make(
        organiser,
        TutorialData(
            title=PAST_SEMINAR,
            kind="seminar",
            description="<p>Разбор критериев оценивания заданий 20–25 и типичных ошибок учащихся.</p>",
            sessions=[(start, start + timedelta(hours=2))],
            capacity=25,
            place="ЦРО, актовый зал",
            hours=Decimal("2"),
            subject_ids=[subject.pk],
        ),
    )
    for teacher in teachers:
        registration_create(tutorial=tutorial, user=teacher.user, membership=teacher)
    _to_past(tutorial, 17)
    session = tutorial.sessions.get()
    present = teachers[: max(1, len(teachers) - 1)]  # one of them did not come
    for n, teacher in enumerate(present):
        Attendance.objects.get_or_create(
            session=session,
            user=teacher.user,
            defaults={
                "method": Attendance.Method.CODE if n % 2 else Attendance.Method.ORGANISER,
                "marked_by": None if n % 2 else organiser.user,
                "at": session.starts_at + timedelta(minutes=n),
            },
        )
    for n, teacher in enumerate(present[:3]):
        feedback_submit(
            tutorial=tutorial,
            user=teacher.user,
            rating=5 - n % 2,
            useful="Разбор критериев на реальных работах",
            will_use="Самопроверку по критериям на уроках в 9 классе",
        )
    certificates_issue_for_tutorial(
        tutorial=tutorial, actor=organiser.user, membership=organiser, render=False
    )


@transaction.atomic
def demo_tutorials_seed(
    *, centre: Organisation, schools: list[Organisation], people: dict[str, User]
) -> list[str]:
    created: list[str] = []
    zone = centre.zone
    tutor = Membership.objects.get(user=people["tutor@example.org"], organisation=centre)
    methodologist = Membership.objects.get(user=people["methodologist@example.org"], organisation=centre)
    teachers = _teachers(schools)
    math = Subject.objects.get(code="math")
    russian = Subject.objects.get(code="russian")
    with tenant_context(centre):
        if not Tutorial.objects.filter(title=PAST_SEMINAR).exists():
            _past_seminar(tutor, teachers, zone, math)
            start = _at(zone, 6, 14)
            training = _make(
                methodologist,
                TutorialData(
                    title="Тренинг «Формирующее оценивание на уроках русского языка»",
                    kind="training",
                    description="<p>Приёмы формирующего оценивания; работа в группах.</p>",
                    sessions=[(start, start + timedelta(hours=3))],
                    capacity=20,
                    place="ЦРО, ауд. 204",
                    hours=Decimal("3"),
                    subject_ids=[russian.pk],
                ),
            )
            for teacher in teachers[:3]:
                registration_create(tutorial=training, user=teacher.user, membership=teacher)
            start = _at(zone, 10, 16)
            master_class = _make(
                tutor,
                TutorialData(
                    title="Мастер-класс «Лабораторная работа как исследование»",
                    kind="master_class",
                    sessions=[(start, start + timedelta(hours=2))],
                    capacity=2,
                    format="mixed",
                    place="ЦРО, кабинет физики",
                    subject_ids=[Subject.objects.get(code="physics").pk],
                ),
            )
            for teacher in teachers[:4]:  # two places: the others wait
                registration_create(tutorial=master_class, user=teacher.user, membership=teacher)
            first = _at(zone, 8, 17)
            _make(
                tutor,
                TutorialData(
                    title="Супервизия для молодых учителей математики (цикл из трёх встреч)",
                    kind="supervision",
                    sessions=[
                        (first + timedelta(days=7 * n), first + timedelta(days=7 * n, hours=1, minutes=30))
                        for n in range(3)
                    ],
                    capacity=12,
                    format="video",
                    requires_approval=True,
                    hours=Decimal("4.5"),
                    audience_all=False,
                    audience_subject_ids=[math.pk],
                ),
            )
            created.append(
                "tutorials at the centre: a past seminar with certificates, a training, "
                "a master class with a waiting list, a supervision series"
            )
    school = schools[0]
    with tenant_context(school):
        if not Tutorial.objects.filter(title=SCHOOL_SEMINAR).exists():
            active = Membership.objects.filter(organisation=school, is_active=True, user__is_active=True)
            admin = active.filter(role=Role.SCHOOL_ADMIN).order_by("pk").first()
            mentor = active.filter(role=Role.TUTOR).order_by("pk").first()
            organiser = mentor or admin
            if organiser is not None:
                start = _at(zone, 4, 15)
                _make(
                    organiser,
                    TutorialData(
                        title=SCHOOL_SEMINAR,
                        kind="seminar",
                        sessions=[(start, start + timedelta(hours=1, minutes=30))],
                        capacity=15,
                        place=f"{school.short_name}, учительская",
                    ),
                )
                created.append(f"an internal seminar at {school.short_name}")
    return created
