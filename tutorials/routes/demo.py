"""The demo's professional routes, made through the same services people use.

* Two demo teachers who sign in have a route with the demo tutor:
  - school 1's teacher of informatics: an **active** route with filled stages, tasks with
    deadlines (one overdue, one near, one done), evidence (their own and confirmed by the
    tutor) and a discussion — what a newcomer opens as "my route" and "my portfolio";
  - school 3's teacher of Russian: a route **sent for agreement**, whose last comment waits
    for the tutor's answer.
* From this September's mathematics campaign (``campaigns.demo``), routes **proposed** from
  the diagnosed deficits for two generated teachers of each school (drafts the teachers
  decide on), one of them taken to **agreed** (waiting for school 1's approval) and one to
  **active**.
* From the same campaign, one **group route** (``group_route_seed``): the builder's first
  candidate whose teachers come from more than one school, with at most two teachers of
  each school (the proposed ones first), the demo tutor, confirmed: its tasks are in each
  member's route, marked as coming from the group.

Idempotent: a teacher who already has a route for the year is left as they are.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role, User
from tenants.models import AcademicYear, Organisation

from . import collect, comments, services
from .models import Evidence, Form, PlanItem, Route, Status
from .models_groups import GroupRoute

TUTOR = "tutor@example.org"
METHODOLOGIST = "methodologist@example.org"
PROPOSED_PER_SCHOOL = 2
GROUP_PER_SCHOOL = 2  # a small group: confirming it starts a draft for a member without a route


def _step(route: Route, actor: User, target: str) -> Route:
    route.refresh_from_db()
    return services.route_transition(actor=actor, route_id=route.pk, version=route.version, target=target)


def _admin_of(school_id: int) -> User | None:
    membership = (
        Membership.objects.filter(organisation_id=school_id, role=Role.SCHOOL_ADMIN, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _sections(route: Route, actor: User, **texts: str) -> None:
    route.refresh_from_db()
    services.route_update_sections(actor=actor, route_id=route.pk, version=route.version, **texts)


def _item(route: Route, actor: User, **fields: object) -> PlanItem:
    route.refresh_from_db()
    return services.item_add(actor=actor, route_id=route.pk, version=route.version, **fields)


def _informatics_route(teacher: User, tutor: User, year: AcademicYear, today: date) -> Route:
    route = services.route_create(actor=teacher, teacher=teacher, academic_year=year, tutor=tutor)
    _sections(
        route,
        teacher,
        interest=(
            "Горжусь тем, что мои ученики третий год выходят на муниципальный этап олимпиады. "
            "Хочу изменить то, что на уроках программирования работают одни и те же сильные ученики."
        ),
        question="Как организовать парную и групповую работу на уроках программирования в 8–9 классах?",
        goal=(
            "Освоить приёмы совместной работы учеников над кодом. Задачи: изучить опыт коллег, "
            "провести два открытых урока, подготовить кейс для банка района."
        ),
        resources=(
            "Тьюториал «Парное программирование в школе» (ЦРО); консультации тьютора; "
            "наставник в школе — руководитель МО; региональные курсы ИРО."
        ),
    )
    lesson = _item(
        route,
        teacher,
        task="Провести открытый урок с парным программированием в 8 классе",
        form=Form.OPEN_LESSON,
        deadline=today + timedelta(days=2),
        expected_result="Технологическая карта урока и отзыв наставника",
        deficit="Организация групповой работы",
    )
    _item(
        route,
        teacher,
        task="Пройти курсы повышения квалификации «Цифровая образовательная среда»",
        form=Form.COURSE,
        deadline=today - timedelta(days=5),
        expected_result="Удостоверение о повышении квалификации",
    )
    studied = _item(
        route,
        teacher,
        task="Изучить кейсы банка района по проектной работе",
        form=Form.CASE_MATERIAL,
        deadline=today - timedelta(days=20),
        expected_result="Заметки в портфолио",
    )
    services.item_update(actor=teacher, item_id=studied.pk, version=studied.version, status="done")
    services.item_update(actor=teacher, item_id=lesson.pk, version=lesson.version, status="in_progress")
    _step(route, teacher, Status.SUBMITTED)
    comments.comment_add(
        actor=tutor,
        route_id=route.pk,
        text="Хороший план. Для открытого урока возьмите задачу с ветвлениями.",
    )
    _step(route, tutor, Status.AGREED)
    admin = _admin_of(route.school_id)
    if admin is not None:
        _step(route, admin, Status.APPROVED)
        _step(route, teacher, Status.ACTIVE)
    note = services.evidence_add(
        actor=teacher,
        route_id=route.pk,
        kind=Evidence.Kind.NOTE,
        title="Конспект: три кейса по проектной работе",
        note="Выбрала кейс «Школьный сайт» для 9 класса.",
        item_id=studied.pk,
    )
    services.evidence_confirm(
        actor=tutor, evidence_id=note.pk, comment="Кейс подходит, обсудим на консультации."
    )
    services.evidence_add(
        actor=teacher,
        route_id=route.pk,
        kind=Evidence.Kind.LINK,
        title="Технологическая карта открытого урока (черновик)",
        url="https://school1.localhost/docs/urok-8b",
        item_id=lesson.pk,
    )
    comments.comment_add(
        actor=teacher,
        route_id=route.pk,
        text="Черновик технологической карты в портфолио. Посмотрите, пожалуйста, этап рефлексии.",
        item_id=lesson.pk,
    )
    comments.comment_add(
        actor=tutor,
        route_id=route.pk,
        text="Посмотрел: рефлексию лучше сделать в парах, по листу самооценки.",
    )
    return route


def _russian_route(teacher: User, tutor: User, year: AcademicYear, today: date) -> Route:
    route = services.route_create(actor=teacher, teacher=teacher, academic_year=year, tutor=tutor)
    _sections(
        route,
        teacher,
        interest="Хочу лучше готовить девятиклассников к итоговому собеседованию.",
        question="Какие приёмы помогают ученикам строить монологическое высказывание?",
        goal="Собрать банк заданий для устной части ОГЭ и опробовать его в 9 классе.",
    )
    _item(
        route,
        teacher,
        task="Консультация тьютора по критериям оценивания устной части",
        form=Form.CONSULTATION,
        deadline=today + timedelta(days=14),
        expected_result="Памятка для учеников",
    )
    _item(
        route,
        teacher,
        task="Самообразование: методические рекомендации ФИПИ",
        form=Form.SELF_STUDY,
        deadline=today + timedelta(days=30),
        expected_result="Конспект",
    )
    _step(route, teacher, Status.SUBMITTED)
    comments.comment_add(
        actor=teacher,
        route_id=route.pk,
        text="Отправила маршрут на согласование. Нужна ли отдельная задача по сочинению?",
    )
    return route


def _campaign(year: AcademicYear) -> Any:
    from tutorials.diagnostics.campaigns.models import Campaign

    return (
        Campaign.objects.filter(academic_year=year, title__startswith="Сентябрьская диагностика")
        .order_by("pk")
        .first()
    )


def group_route_seed(*, campaign: Any, methodologist: User, tutor: User) -> GroupRoute | None:
    """The demo's group route from a campaign (see the module's docstring), or None when
    the campaign has one already or no candidate spans two schools."""
    from tutorials.diagnostics.campaigns.models import Attempt

    from . import groups
    from .group_builder import candidates

    if GroupRoute.objects.filter(campaign_id=campaign.pk).exists():
        return None
    chosen = next((c for c in candidates(campaign) if len(c.school_ids) > 1), None)
    if chosen is None:
        return None
    school_of = dict(
        Attempt.objects.filter(campaign=campaign, teacher_id__in=chosen.teacher_ids).values_list(
            "teacher_id", "school_id"
        )
    )
    with_route = set(
        Route.objects.filter(
            teacher_id__in=chosen.teacher_ids, academic_year_id=campaign.academic_year_id
        ).values_list("teacher_id", flat=True)
    )
    per_school: dict[int, list[int]] = {}
    for teacher_id in sorted(chosen.teacher_ids, key=lambda t: (t not in with_route, t)):
        picked = per_school.setdefault(school_of.get(teacher_id) or 0, [])
        if len(picked) < GROUP_PER_SCHOOL:
            picked.append(teacher_id)
    group = groups.group_create(
        actor=methodologist,
        title=f"{chosen.title} — группа района",
        academic_year_id=campaign.academic_year_id,
        subject_id=campaign.subject_id,
        topic_ids=chosen.topic_ids,
        teacher_ids=[t for picked in per_school.values() for t in picked],
        campaign_id=campaign.pk,
    )
    group = groups.group_set_tutors(
        actor=methodologist, group_id=group.pk, version=group.version, tutor_ids=[tutor.pk]
    )
    group.refresh_from_db()
    return groups.group_confirm(actor=methodologist, group_id=group.pk, version=group.version)


def _proposed_routes(centre: Organisation, year: AcademicYear, tutor: User, created: list[str]) -> None:
    """Proposed drafts from this year's mathematics campaign, two taken further."""
    from tutorials.diagnostics.campaigns.selectors import deficits_for

    from .proposals import route_propose

    campaign = _campaign(year)
    methodologist = User.objects.filter(email=METHODOLOGIST).first()
    if campaign is None or methodologist is None:
        return
    proposed: list[Route] = []
    for school in Organisation.objects.filter(centre=centre, kind=Organisation.Kind.SCHOOL).order_by("pk"):
        teachers = (
            Membership.objects.filter(
                organisation=school, role=Role.TEACHER, is_active=True, user__email__startswith="demo-math-"
            )
            .select_related("user")
            .order_by("pk")
        )
        made = 0
        for membership in teachers:
            if made >= PROPOSED_PER_SCHOOL:
                break
            teacher = membership.user
            if Route.objects.filter(teacher=teacher, academic_year=year).exists():
                made += 1
                continue
            if not deficits_for(teacher.pk, campaign):
                continue
            route = route_propose(teacher_id=teacher.pk, campaign=campaign, actor=methodologist)
            route.refresh_from_db()
            services.route_set_tutor(
                actor=methodologist, route_id=route.pk, version=route.version, tutor=tutor
            )
            proposed.append(route)
            made += 1
    if not proposed:
        return
    created.append(f"{len(proposed)} professional routes proposed from «{campaign.title}»")
    today = timezone.localdate()
    for n, route in enumerate(proposed[:2]):
        teacher = route.teacher
        items = list(route.items.order_by("position", "pk"))
        for i, item in enumerate(items):
            services.item_decide(actor=teacher, item_id=item.pk, version=item.version, accept=i < 2)
        for i, item in enumerate(items[:2]):
            item.refresh_from_db()
            services.item_update(
                actor=teacher,
                item_id=item.pk,
                version=item.version,
                deadline=today + timedelta(days=10 + 20 * i),
            )
        _sections(route, teacher, goal="Закрыть дефициты, выявленные сентябрьской диагностикой.")
        _step(route, teacher, Status.SUBMITTED)
        comments.comment_add(
            actor=tutor, route_id=route.pk, text="Согласую: начнём с первой темы на тьюториале."
        )
        _step(route, tutor, Status.AGREED)
        if n == 1:
            admin = _admin_of(route.school_id)
            if admin is not None:
                _step(route, admin, Status.APPROVED)
                _step(route, teacher, Status.ACTIVE)
                services.evidence_add(
                    actor=teacher,
                    route_id=route.pk,
                    kind=Evidence.Kind.NOTE,
                    title="Разобрала задания диагностики, в которых ошиблась",
                    note="Типичная ошибка — знак при переносе слагаемого.",
                    item_id=items[0].pk,
                )
        collect.evidence_collect(actor=teacher, route_id=route.pk)


def demo_routes_seed(centre: Organisation) -> list[str]:
    """The demo district's routes (see the module's docstring); returns what was made."""
    created: list[str] = []
    year = AcademicYear.objects.filter(is_current=True).first()
    tutor = User.objects.filter(email=TUTOR).first()
    if year is None or tutor is None:
        return created
    today = timezone.localdate()
    with tenant_context(centre), transaction.atomic():
        for email, build in (
            ("school1-teacher1@example.org", _informatics_route),
            ("school3-teacher2@example.org", _russian_route),
        ):
            teacher = User.objects.filter(email=email).first()
            if teacher is None or Route.objects.filter(teacher=teacher, academic_year=year).exists():
                continue
            route = build(teacher, tutor, year, today)
            route.refresh_from_db()
            created.append(f"professional route of {teacher.get_full_name()} ({route.get_status_display()})")
        _proposed_routes(centre, year, tutor, created)
        campaign = _campaign(year)
        methodologist = User.objects.filter(email=METHODOLOGIST).first()
        if campaign is not None and methodologist is not None:
            group = group_route_seed(campaign=campaign, methodologist=methodologist, tutor=tutor)
            if group is not None:
                created.append(f"group route «{group.title}» ({group.members.count()} teachers)")
    return created
