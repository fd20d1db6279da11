"""Test data for the question bank, made through its services.

``bank_codifier`` builds a small OGE mathematics codifier; ``make_item`` writes an item of
any type with sensible content; the campaigns' tests may import both.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Role, User
from codifier.models import Codifier, Exam, Topic
from tenants.models import AcademicYear, Organisation, Subject
from tests.conftest import member
from tutorials.diagnostics import services
from tutorials.diagnostics.models import Item, ItemType

TOPICS = [
    ("1", "Числа и вычисления", ""),
    ("1.1", "Натуральные и целые числа", "1"),
    ("1.2", "Дроби", "1"),
    ("3", "Уравнения и неравенства", ""),
    ("3.1", "Уравнения", "3"),
    ("3.2", "Неравенства", "3"),
]


def bank_codifier(subject_code: str = "math-bank", year: str = "2031/2032") -> Codifier:
    subject, _ = Subject.objects.get_or_create(
        code=subject_code, defaults={"name": f"Математика {subject_code}"}
    )
    start = int(year[:4])
    academic_year, _ = AcademicYear.objects.get_or_create(
        name=year, defaults={"starts_on": f"{start}-09-01", "ends_on": f"{start + 1}-08-31"}
    )
    codifier, created = Codifier.objects.get_or_create(
        subject=subject, exam=Exam.OGE, academic_year=academic_year, defaults={"title": f"КЭС ОГЭ {year}"}
    )
    if created:
        by_code: dict[str, Topic] = {}
        for position, (code, title, parent) in enumerate(TOPICS):
            by_code[code] = Topic.objects.create(
                codifier=codifier, code=code, title=title, parent=by_code.get(parent), position=position
            )
    return codifier


def methodologist(organisation: Organisation) -> User:
    role = Role.METHODOLOGIST if organisation.kind == Organisation.Kind.CENTRE else Role.SCHOOL_ADMIN
    # English pages: the tests assert the English msgids (the person's language wins over cookies).
    return member(organisation, role, language="en").user


BODIES: dict[str, dict[str, Any]] = {
    ItemType.SINGLE: {
        "choices": [
            {"id": "a", "text": "1", "correct": False},
            {"id": "b", "text": "2", "correct": True},
            {"id": "c", "text": "3", "correct": False},
        ]
    },
    ItemType.MULTIPLE: {
        "choices": [
            {"id": "a", "text": "\\(2\\)", "correct": True},
            {"id": "b", "text": "\\(3\\)", "correct": True},
            {"id": "c", "text": "\\(4\\)", "correct": False},
            {"id": "d", "text": "\\(9\\)", "correct": False},
        ]
    },
    ItemType.SHORT: {"answers": ["-3,5"]},
    ItemType.NUMERIC: {"value": "2.5", "tolerance": "0.1"},
    ItemType.MATCHING: {
        "left": [
            {"id": "1", "text": "y = 2x"},
            {"id": "2", "text": "y = x²"},
            {"id": "3", "text": "y = 1/x"},
        ],
        "right": [
            {"id": "А", "text": "прямая"},
            {"id": "Б", "text": "парабола"},
            {"id": "В", "text": "гипербола"},
            {"id": "Г", "text": "окружность"},
        ],
        "key": {"1": "А", "2": "Б", "3": "В"},
    },
    ItemType.EXTENDED: {
        "rubric": "<p>2 балла: верно решено.</p>",
        "criteria": [{"text": "Верно", "points": 2}],
    },
}


def make_item(
    *,
    actor: User,
    codifier: Codifier,
    type: str = ItemType.SINGLE,
    codes: tuple[str, ...] = ("1.1",),
    max_points: Any = 1,
    body: dict[str, Any] | None = None,
    text: str = "<p>Найдите значение выражения \\(2 \\cdot 1\\).</p>",
) -> Item:
    topics = list(codifier.topics.filter(code__in=codes))
    if type == ItemType.EXTENDED and max_points == 1:
        max_points = 2
    return services.item_create(
        subject=codifier.subject,
        type=type,
        text=text,
        body=body if body is not None else BODIES[type],
        topics=topics,
        max_points=max_points,
        actor=actor,
    )


def oge_codifier(centre: Organisation) -> Codifier:
    """The demo's real OGE mathematics codifier, imported through the codifier service."""
    from codifier.services import codifier_import
    from tutorials.diagnostics.demo import DATA

    subject, _ = Subject.objects.get_or_create(
        code="math-oge-test", defaults={"name": "Математика ОГЭ (тест)"}
    )
    year, _ = AcademicYear.objects.get_or_create(
        name="2035/2036", defaults={"starts_on": "2035-09-01", "ends_on": "2036-08-31"}
    )
    existing = Codifier.objects.filter(subject=subject, exam=Exam.OGE, academic_year=year).first()
    if existing:
        return existing
    admin = member(centre, Role.CENTRE_ADMIN).user
    with (DATA / "oge_math_kes.csv").open("rb") as stream:
        return codifier_import(
            subject=subject, exam=Exam.OGE, academic_year=year, title="КЭС ОГЭ (тест)", stream=stream,
            filename="oge_math_kes.csv", actor=admin, organisation=centre,
        )  # fmt: skip
