"""Case materials tagged with codifier topics: free-text topics that name a topic by code or
title are linked, the rest kept; the data migration links the existing materials the same way."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django_tenants.utils import tenant_context

from accounts.models import Role
from casebank import services
from casebank.models import Material
from tests.conftest import District, member
from tests.diagnostics.factories import oge_codifier

pytestmark = pytest.mark.django_db
TOPICS = ["7.5.8", "КЭС 3.1.3", "  дроби ", "Прямоугольный треугольник. Теорема Пифагора", "проектная задача"]


def test_topics_naming_the_codifier_are_linked_and_the_rest_kept(district: District) -> None:
    with tenant_context(district.school_a):
        codifier = oge_codifier(district.centre)
        author = member(district.school_a, Role.TEACHER).user
        material = services.material_create(
            title="Площади фигур", actor=author, subjects=[codifier.subject_id], topics=TOPICS
        )
        linked = sorted(t.code for t in material.codifier_topics.all())
        assert linked == ["1.2", "3.1.3", "7.2.3", "7.5.8"]
        assert Material.objects.get(pk=material.pk).topics == [t.strip().lower() for t in TOPICS]
        other = services.material_create(title="Без предмета", actor=author, topics=["7.5.8"])
        assert not other.codifier_topics.exists()  # no subject: a code alone is ambiguous


def test_the_data_migration_links_existing_materials(district: District) -> None:
    migration = importlib.import_module("casebank.migrations.0003_material_codifier_topics")
    with tenant_context(district.school_a):
        codifier = oge_codifier(district.centre)
        author = member(district.school_a, Role.TEACHER).user
        material = services.material_create(
            title="Прогрессии", actor=author, subjects=[codifier.subject_id], topics=["4.2.1", "игра"]
        )
        material.codifier_topics.clear()
        migration.link_codifier_topics(apps, None)
        assert [t.code for t in material.codifier_topics.all()] == ["4.2.1"]
