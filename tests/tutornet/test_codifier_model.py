"""The codifier's invariants held by the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from codifier.models import Codifier, Exam, Topic, TopicMapping, code_sort_key
from tenants.models import AcademicYear, Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def codifier() -> Codifier:
    subject = Subject.objects.create(name="Математика (тест)", code="math-test")
    year = AcademicYear.objects.create(name="2030/2031", starts_on="2030-09-01", ends_on="2031-08-31")
    return Codifier.objects.create(subject=subject, exam=Exam.OGE, academic_year=year, title="КЭС ОГЭ")


def test_a_code_is_unique_within_its_codifier(codifier: Codifier) -> None:
    Topic.objects.create(codifier=codifier, code="1.2", title="Дроби")
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(codifier=codifier, code="1.2", title="Другое")


def test_a_topic_cannot_be_mapped_to_itself(codifier: Codifier) -> None:
    topic = Topic.objects.create(codifier=codifier, code="3.2", title="Неравенства")
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicMapping.objects.create(old=topic, new=topic)


def test_codes_sort_as_fipi_numbers_them() -> None:
    assert sorted(["1.10", "1.9", "2", "1.2.3", "1.2"], key=code_sort_key) == [
        "1.2",
        "1.2.3",
        "1.9",
        "1.10",
        "2",
    ]
