"""The demo's diagnostic campaigns, made through the same services people use.

* A September campaign in mathematics for this academic year (closed, with results) and
  the previous year's, so the district picture can compare years.
* The demo teachers of mathematics and ~120 generated teachers over the three schools
  take them; their answers come from a simple ability × difficulty (Rasch/IRT-like)
  model, ``P(right) = 1 / (1 + exp(-(θ - b)))``, with a fixed seed: the same demo every
  time.  The demo tutor grades the extended answers; the questionnaire's answers
  follow the teacher's results on each topic.

Idempotent: a campaign already there (by its title) is left as it is.  Uses the bank's
current mathematics items when there are enough, else adds a small demo set.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role, User
from codifier.models import CompetenceBlock, Topic
from tenants.models import AcademicYear, Organisation, Subject
from tutorials.diagnostics.models import ItemType, ItemVersion
from tutorials.diagnostics.selectors import drawable_versions

from . import services
from .models import AttemptItem, Campaign, Question

GENERATED_PER_SCHOOL = 40
SEED = 20260905
MIN_ITEMS = 10


def _year(current: AcademicYear, back: int) -> AcademicYear:
    starts = date(current.starts_on.year - back, 9, 1)
    year, _ = AcademicYear.objects.get_or_create(
        name=f"{starts.year}/{starts.year + 1}",
        defaults={"starts_on": starts, "ends_on": date(starts.year + 1, 8, 31)},
    )
    return year


def _demo_items(subject: Subject, author: User, topics: list[Topic]) -> list[ItemVersion]:
    """The bank's items when it has enough, else a small demo set over the codifier's topics."""
    from tutorials.diagnostics.services.items import item_create

    versions = list(drawable_versions(subject).select_related("item").order_by("pk")[:14])
    if len(versions) >= MIN_ITEMS:
        return versions
    specs: list[tuple[str, str, dict[str, Any], int]] = []
    for n in range(4):
        specs.append(
            (
                ItemType.SINGLE,
                f"Вычислите \\({n + 2} \\cdot {n + 3}\\)",
                {
                    "choices": [
                        {"id": "a", "text": str((n + 2) * (n + 3)), "correct": True},
                        {"id": "b", "text": str((n + 2) * (n + 3) + 1)},
                        {"id": "c", "text": str(n + 5)},
                    ]
                },
                1,
            )
        )
        specs.append(
            (
                ItemType.SHORT,
                f"Решите уравнение \\(x + {n + 1} = {2 * n + 5}\\)",
                {"answers": [str(n + 4)]},
                1,
            )
        )
    specs += [
        (ItemType.NUMERIC, "Найдите значение \\(\\frac{7}{2}\\)", {"value": "3.5", "tolerance": "0"}, 1),
        (
            ItemType.MULTIPLE,
            "Какие из чисел делятся на 3?",
            {
                "choices": [
                    {"id": "a", "text": "9", "correct": True},
                    {"id": "b", "text": "12", "correct": True},
                    {"id": "c", "text": "10"},
                ]
            },
            2,
        ),
        (
            ItemType.EXTENDED,
            "Решите неравенство \\(x^2 - 5x + 6 < 0\\) и объясните решение.",
            {
                "rubric": (
                    "<p>2 балла: верный ответ (2; 3) с обоснованием; "
                    "1 балл: верный ход, вычислительная ошибка.</p>"
                ),
                "criteria": [{"text": "Обоснование", "points": 2}],
            },
            2,
        ),
    ]
    made = []
    for i, (kind, text, body, points) in enumerate(specs):
        topic = topics[i % len(topics)]
        item = item_create(
            subject=subject,
            type=kind,
            text=text,
            body=body,
            topics=[topic],
            actor=author,
            max_points=points,
            name=f"Демо {i + 1}: {text[:40]}",
        )
        made.append(ItemVersion.objects.select_related("item").get(item=item, number=1))
    return made


def _response(version: ItemVersion, right: bool, rng: random.Random) -> dict[str, Any]:
    body, kind = version.body, version.item.type
    if kind in (ItemType.SINGLE, ItemType.MULTIPLE):
        correct = [c["id"] for c in body.get("choices", []) if c.get("correct")]
        wrong = [c["id"] for c in body.get("choices", []) if not c.get("correct")]
        picked = correct if right else [rng.choice(wrong or correct)]
        return {"choice": picked[0]} if kind == ItemType.SINGLE else {"choices": picked}
    if kind == ItemType.SHORT:
        return {"text": body["answers"][0] if right else "0"}
    if kind == ItemType.NUMERIC:
        value = Decimal(str(body.get("value", "0")))
        return {"value": str(value if right else value + 1)}
    if kind == ItemType.MATCHING:
        key = dict(body.get("key", {}))
        if not right and len(key) > 1:
            values = list(key.values())
            values = values[1:] + values[:1]
            key = dict(zip(key, values, strict=True))
        return {"pairs": key}
    return {"text": "Решение: " + ("верное, с обоснованием." if right else "неполное.")}


def _teachers(centre: Organisation, subject: Subject, created: list[str]) -> list[Membership]:
    """The demo teachers of mathematics and the generated ones (without a password)."""
    schools = list(Organisation.objects.filter(centre=centre, kind=Organisation.Kind.SCHOOL).order_by("pk"))
    rng = random.Random(SEED)
    last = [
        "Иванов",
        "Смирнова",
        "Кузнецов",
        "Попова",
        "Соколов",
        "Лебедева",
        "Козлов",
        "Новикова",
        "Морозов",
        "Петрова",
    ]
    first = ["Анна", "Сергей", "Мария", "Олег", "Елена", "Дмитрий", "Ольга", "Игорь", "Татьяна", "Павел"]
    made = 0
    for school in schools:
        for n in range(GENERATED_PER_SCHOOL):
            email = f"demo-math-{school.schema_name}-{n + 1}@example.org"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(
                    email=email, last_name=rng.choice(last), first_name=rng.choice(first), patronymic=""
                )
                user.set_unusable_password()
                user.save()
                membership = Membership.objects.create(user=user, organisation=school, role=Role.TEACHER)
                membership.subjects.add(subject)
                made += 1
    if made:
        created.append(f"{made} generated teachers of mathematics (no sign-in)")
    return list(
        Membership.objects.filter(
            organisation__in=schools, role=Role.TEACHER, subjects=subject, is_active=True
        )
        .select_related("user", "organisation", "organisation__centre")
        .order_by("pk")
    )


def _campaign(
    *,
    centre: Organisation,
    methodologist: Membership,
    subject: Subject,
    year: AcademicYear,
    title: str,
    opens: datetime,
    versions: list[ItemVersion],
    topics: list[Topic],
) -> Campaign:
    campaign = services.campaign_create(
        membership=methodologist,
        title=title,
        academic_year=year,
        subject=subject,
        opens_at=opens,
        closes_at=opens + timedelta(days=14),
        time_limit_minutes=60,
        deficit_threshold=60,
        version_ids=[v.pk for v in versions],
    )
    for topic in topics[:4]:
        services.question_add(
            membership=methodologist,
            campaign_id=campaign.pk,
            kind=Question.Kind.SCALE,
            text=f"Насколько вам трудно учить теме «{topic.title[:80]}»?",
            topic_id=topic.pk,
        )
    services.question_add(
        membership=methodologist,
        campaign_id=campaign.pk,
        kind=Question.Kind.SCALE,
        text="Нормативные документы ГИА (демоверсия, спецификация, кодификатор)",
        competence_block=CompetenceBlock.NORMATIVE,
    )
    services.question_add(
        membership=methodologist,
        campaign_id=campaign.pk,
        kind=Question.Kind.TEXT,
        text="Что ещё вызывает у вас затруднения при подготовке к ОГЭ?",
    )
    # A past campaign: published as of its opening (the publish service refuses a closed one),
    # its versions frozen as publishing does, nobody notified now.
    from tutorials.diagnostics.services.items import versions_mark_used

    versions_mark_used([v.pk for v in versions])
    Campaign.objects.filter(pk=campaign.pk).update(
        published_at=opens, opening_notified_at=opens, reminder_sent_at=opens
    )
    campaign.refresh_from_db()
    return campaign


def _take(
    campaign: Campaign, teachers: list[Membership], tutor: Membership, rng: random.Random, shift: float
) -> None:
    difficulty: dict[int, float] = {}
    for membership in teachers:
        theta = rng.gauss(shift, 1.0)
        start = campaign.opens_at + timedelta(hours=rng.uniform(1, 200))
        attempt = services.attempt_start(campaign_id=campaign.pk, membership=membership, now=start)
        items = list(AttemptItem.objects.filter(attempt=attempt).select_related("version__item"))
        sheet: dict[int, dict[str, Any]] = {}
        for item in items:
            b = difficulty.setdefault(item.version_id, random.Random(item.version_id).uniform(-1.5, 1.5))
            right = rng.random() < 1 / (1 + math.exp(-(theta - b)))
            sheet[item.version_id] = _response(item.version, right, rng)
        # The whole sheet in one service call (one transaction, one bulk write).
        services.answer_sheet_save(
            attempt_id=attempt.pk, user=membership.user, responses=sheet, now=start + timedelta(minutes=1)
        )
        done = start + timedelta(minutes=rng.uniform(10, 55))
        services.attempt_submit(attempt_id=attempt.pk, user=membership.user, now=done)
        for item in AttemptItem.objects.filter(attempt=attempt, needs_grading=True):
            share = 1 / (1 + math.exp(-(theta - 0.5)))
            points = min(
                item.max_points,
                Decimal(round(float(item.max_points) * share + rng.uniform(-0.5, 0.5))).max(Decimal(0)),
            )
            services.answer_grade(
                attempt_item_id=item.pk, membership=tutor, points=points, now=done + timedelta(days=1)
            )
        _questionnaire(campaign, attempt.pk, membership.user, theta, rng, done)


def _questionnaire(
    campaign: Campaign, attempt_id: int, user: User, theta: float, rng: random.Random, when: datetime
) -> None:
    levels: dict[int, dict[str, Any]] = {}
    for question in campaign.questions.all():
        if question.kind == Question.Kind.SCALE:
            level = 2 if theta + rng.gauss(0, 0.7) < -1 else 1 if theta + rng.gauss(0, 0.7) < 0 else 0
            levels[question.pk] = {"level": level}
    services.questionnaire_sheet_save(attempt_id=attempt_id, user=user, answers=levels, now=when)


def demo_campaigns_seed(centre: Organisation) -> list[str]:
    """This September's mathematics campaign with results, and last year's."""
    created: list[str] = []
    subject = Subject.objects.filter(code="math").first()
    current = AcademicYear.objects.filter(is_current=True).first()
    methodologist = (
        Membership.objects.filter(organisation=centre, role=Role.METHODOLOGIST, is_active=True)
        .select_related("user", "organisation")
        .first()
    )
    tutor = (
        Membership.objects.filter(organisation=centre, role=Role.TUTOR, is_active=True, subjects=subject)
        .select_related("user", "organisation")
        .first()
    )
    if subject is None or current is None or methodologist is None or tutor is None:
        return created
    with tenant_context(centre), transaction.atomic():
        topics = list(
            Topic.objects.filter(
                codifier__subject=subject, codifier__academic_year=current, parent__isnull=False
            ).order_by("position")[:8]
        )
        topics = topics or list(Topic.objects.filter(codifier__subject=subject).order_by("position")[:8])
        if not topics:
            return created
        teachers = _teachers(centre, subject, created)
        versions = _demo_items(subject, methodologist.user, topics)
        for back, shift in ((1, -0.3), (0, 0.0)):
            year = _year(current, back)
            title = f"Сентябрьская диагностика по математике {year.name}"
            if Campaign.objects.filter(title=title).exists():
                continue
            opens = timezone.make_aware(
                datetime.combine(date(year.starts_on.year, 9, 5), time(9)), centre.zone
            )
            campaign = _campaign(
                centre=centre,
                methodologist=methodologist,
                subject=subject,
                year=year,
                title=title,
                opens=opens,
                versions=versions,
                topics=topics,
            )
            # Last year fewer teachers took part (and it keeps the seed quick).
            takers = teachers if back == 0 else teachers[::2]
            _take(campaign, takers, tutor, random.Random(SEED + back), shift)
            from .analysis import analysis_store

            analysis_store(campaign.pk)
            created.append(f"diagnostic campaign «{title}» with {len(takers)} teachers' results")
    return created
