"""Test data for tutorials, built through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Membership, Role, User
from tenants.models import Organisation
from tests.conftest import member
from tutorials.models import Tutorial
from tutorials.services import registration_create, tutorial_create, tutorial_publish
from tutorials.services.tutorials import TutorialData


def organiser_in(organisation: Organisation, role: str = Role.TUTOR) -> Membership:
    return member(organisation, role)


def teacher_of(school: Organisation) -> Membership:
    return member(school, Role.TEACHER)


def data(**overrides: Any) -> TutorialData:
    start = overrides.pop("start", (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0))
    length = overrides.pop("length", timedelta(hours=2))
    values: dict[str, Any] = {
        "title": "Задания с развёрнутым ответом в ОГЭ",
        "kind": "seminar",
        "description": "<p>Разбор <b>критериев</b></p>",
        "sessions": [(start, start + length)],
        "capacity": 10,
        "place": "ЦРО, ауд. 12",
        "hours": Decimal("2"),
    }
    values.update(overrides)
    return TutorialData(**values)


def published(organiser: Membership, *, publish: bool = True, **overrides: Any) -> Tutorial:
    tutorial = tutorial_create(data=data(**overrides), actor=organiser.user, membership=organiser)
    if publish:
        tutorial = tutorial_publish(tutorial=tutorial, actor=organiser.user, membership=organiser)
    return tutorial


def register(tutorial: Tutorial, teacher: Membership, **kwargs: Any) -> Any:
    return registration_create(tutorial=tutorial, user=teacher.user, membership=teacher, **kwargs)


def at(start: datetime, **delta: float) -> datetime:
    return start + timedelta(**delta)


def user(m: Membership) -> User:
    return m.user
