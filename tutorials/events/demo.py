"""The demo district's methodological week: three days at the centre with parallel workshops
allocated by preferences, attendance on the first two days, daily reflection, a route
defence on the last day, and certificates for everyone who attended.

Everything goes through the services (as a real organiser and real teachers would do it).
Idempotent: a week with the same title already in the centre is left as it is.
"""

from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role, User
from tenants.models import Organisation

from . import services
from .models import Block, Event, Participant

TITLE = "Методическая неделя «Функциональная грамотность на уроке»"
DAYS = [
    (
        "Читательская грамотность",
        ["Смысловое чтение на уроках физики", "Текст в задаче по математике", "Работа с инфографикой"],
    ),
    (
        "Математическая грамотность",
        ["Контекстные задачи", "Финансовая грамотность в 7–9 классах", "Оценивание по критериям PISA"],
    ),
    (
        "Естественно-научная грамотность",
        ["Учебное исследование", "Проектная мастерская", "Цифровые лаборатории"],
    ),
]
QUESTIONS = ["Что сегодня было для вас самым полезным?", "Что вы возьмёте в свои уроки?"]
TEACHERS = [
    "school1-teacher1@example.org",
    "school1-teacher2@example.org",
    "school2-teacher1@example.org",
    "school2-teacher2@example.org",
    "school3-teacher1@example.org",
    "school3-teacher2@example.org",
]
ANSWERS = [
    ("Разбор заданий в мастерской", "Приём «чтение с пометками»"),
    ("Обсуждение с коллегами из других школ", "Контекстные задачи на разминке"),
    ("Критерии оценивания", "Листы самооценки"),
]


@transaction.atomic
def demo_events_seed(*, centre: Organisation, people: dict[str, User]) -> list[str]:
    with tenant_context(centre):
        if Event.objects.filter(title=TITLE).exists():
            return []
        organiser = people["methodologist@example.org"]
        staff = Membership.objects.get(user=organiser, organisation=centre)
        now = timezone.now()
        first = timezone.localdate(now, centre.zone) - timedelta(days=2)
        event = services.event_create(
            actor=organiser,
            membership=staff,
            title=TITLE,
            description="Районная методическая неделя: три дня мастерских по выбору, рефлексия дня, "
            "рейтинг участников и защита индивидуальных образовательных маршрутов.",
            starts_on=first,
            ends_on=first + timedelta(days=2),
            capacity=40,
            hours=18,
            rating_opens_at=now - timedelta(hours=1),
            rating_closes_at=now + timedelta(hours=1),
            board_visibility=Event.BoardVisibility.PARTICIPANTS,
        )
        days = list(event.days.order_by("date"))
        tracks = []
        for day, (theme, workshops) in zip(days, DAYS, strict=True):
            day.title = theme
            day.save(update_fields=["title"])
            block = services.block_add(
                actor=organiser,
                membership=staff,
                day_id=day.pk,
                title="Мастерские",
                starts=time(10),
                ends=time(12, 30),
            )
            for position, title in enumerate(workshops):
                tracks.append(
                    services.track_add(
                        actor=organiser,
                        membership=staff,
                        block_id=block.pk,
                        title=title,
                        places=3,
                        min_size=2,
                        place=f"ЦРО, ауд. {101 + position}",
                    )
                )
            for text in QUESTIONS:
                services.question_add(actor=organiser, membership=staff, day_id=day.pk, text=text)
        defence = services.block_add(
            actor=organiser,
            membership=staff,
            day_id=days[-1].pk,
            title="Защита ИОМ",
            starts=time(14),
            ends=time(16),
            kind=Block.Kind.DEFENCE,
        )
        services.task_add(
            actor=organiser, membership=staff, event_id=event.pk, title="Кейс урока", max_points=20
        )
        services.event_publish(actor=organiser, membership=staff, event_id=event.pk)

        participants: list[tuple[User, Membership, Participant]] = []
        for index, email in enumerate(TEACHERS):
            teacher = people[email]
            membership = (
                Membership.objects.filter(user=teacher, role=Role.TEACHER)
                .select_related("organisation")
                .first()
            )
            assert membership is not None
            participant = services.participant_register(
                actor=teacher, membership=membership, event_id=event.pk
            )
            participants.append((teacher, membership, participant))
            values = {track.pk: (index + position) % 5 + 1 for position, track in enumerate(tracks)}
            services.ratings_save(actor=teacher, membership=membership, event_id=event.pk, values=values)
        services.event_settings_update(
            actor=organiser,
            membership=staff,
            event_id=event.pk,
            rating_opens_at=now - timedelta(days=9),
            rating_closes_at=now - timedelta(days=3),
        )
        services.event_allocate(actor=organiser, membership=staff, event_id=event.pk)

        tutor = people["tutor@example.org"]
        for index, (teacher, membership, participant) in enumerate(participants):
            for assignment in participant.assignments.select_related("block__day"):
                if assignment.block.day.date < days[-1].date:
                    services.attendance_mark(
                        actor=organiser,
                        membership=staff,
                        track_id=assignment.track_id,
                        participant_id=participant.pk,
                        present=True,
                    )
            for number, day in enumerate(days[:2]):
                questions = list(day.questions.order_by("position"))
                pair = ANSWERS[(index + number) % len(ANSWERS)]
                services.reflection_write(
                    actor=teacher,
                    membership=membership,
                    day_id=day.pk,
                    answers={q.pk: text for q, text in zip(questions, pair, strict=True)},
                )
            if index < 3:
                services.defence_assign(
                    actor=organiser,
                    membership=staff,
                    block_id=defence.pk,
                    participant_id=participant.pk,
                    tutor=tutor,
                )
        services.event_certificates_issue(actor=organiser, membership=staff, event_id=event.pk)
    return [f"event {TITLE}"]
