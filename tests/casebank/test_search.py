"""Russian full-text search: stemming, typos, filters, sorting, pages, highlighting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from casebank import selectors, services
from casebank.errors import MaterialInvalidError, MaterialPermissionError
from casebank.models import Kind, Licence, Material
from tests.conftest import District
from tests.factories import SubjectFactory

from .factories import district_material, material, staff

pytestmark = pytest.mark.django_db


def titles(page: selectors.SearchPage) -> list[str]:
    return [hit.material.title for hit in page.hits]


def test_a_stemmed_russian_query_finds_the_case_in_another_word_form(district: District) -> None:
    author, reader = staff(district.school_a), staff(district.school_a)
    material(district.school_a, author, title="Кейс: задачи по математике")
    material(district.school_a, author, title="Сценарий мастер-класса по литературе")
    with tenant_context(district.school_a):
        found = selectors.materials_search(user=reader, query="кейсы по математике")
    assert titles(found) == ["Кейс: задачи по математике"]
    assert found.corrected_query is None and not found.fuzzy


@pytest.mark.parametrize("query", ["кейс по матиматике", "математеке", "кейсы по матиматике"])
def test_a_query_with_a_typo_still_finds_the_material(district: District, query: str) -> None:
    author, reader = staff(district.school_a), staff(district.school_a)
    material(district.school_a, author, title="Кейс: задачи по математике")
    material(district.school_a, author, title="Технологическая карта урока истории")
    with tenant_context(district.school_a):
        found = selectors.materials_search(user=reader, query=query)
    assert titles(found) == ["Кейс: задачи по математике"]
    assert found.corrected_query is not None and "математике" in found.corrected_query


def test_the_highlight_marks_the_match_and_escapes_everything_else(district: District) -> None:
    author, reader = staff(district.school_a), staff(district.school_a)
    material(
        district.school_a,
        author,
        title="Задачи <b>по</b> математике & логике",
        abstract="Сборник задач для 5 класса",
        body="<p>Решаем задачи по математике вместе</p><script>alert(1)</script>",
    )
    with tenant_context(district.school_a):
        hit = selectors.materials_search(user=reader, query="математика").hits[0]
    assert "<mark>математике</mark>" in hit.title_html
    assert "&lt;b&gt;по&lt;/b&gt;" in hit.title_html and "&amp; логике" in hit.title_html
    assert "<mark>математике</mark>" in hit.snippet_html
    assert "<script" not in hit.snippet_html and "alert" not in hit.snippet_html


def test_title_words_rank_above_words_in_the_text(district: District) -> None:
    author, reader = staff(district.school_a), staff(district.school_a)
    material(district.school_a, author, title="Рабочая программа", body="<p>Геометрия в 7 классе</p>")
    material(district.school_a, author, title="Геометрия: подобие треугольников")
    with tenant_context(district.school_a):
        found = selectors.materials_search(user=reader, query="геометрия", sort="relevance")
    assert titles(found) == ["Геометрия: подобие треугольников", "Рабочая программа"]


def test_filters_by_subject_grade_kind_topic_licence_and_school_of_origin(district: District) -> None:
    maths, physics = SubjectFactory(), SubjectFactory()
    author_a, author_b = staff(district.school_a), staff(district.school_b)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    reader = staff(district.school_b)
    district_material(
        district, author_a, methodologist, title="Кейс: дроби", subjects=[maths], grades=[5, 6],
        kind=Kind.CASE, topics=["Дроби", "ОГЭ"], licence=Licence.CC_BY_SA,
    )  # fmt: skip
    district_material(
        district, author_a, methodologist, title="Кейс: механика", subjects=[physics], grades=[9],
        kind=Kind.LESSON_PLAN, topics=["механика"], licence=Licence.CC0,
    )  # fmt: skip
    own_b = material(district.school_b, author_b, title="Кейс: проценты", subjects=[maths], grades=[6])
    with tenant_context(district.school_b):
        services.material_submit(material=own_b, actor=author_b)
    with tenant_context(district.centre):
        services.material_publish(material=Material.objects.get(origin_material_id=own_b.pk,
                                  origin_organisation=district.school_b), actor=methodologist)  # fmt: skip

        def search(**filters: object) -> list[str]:
            return sorted(titles(selectors.materials_search(user=reader, query="кейс", **filters)))

        assert search() == ["Кейс: дроби", "Кейс: механика", "Кейс: проценты"]
        assert search(subject=maths.pk) == ["Кейс: дроби", "Кейс: проценты"]
        # The total counts the filtered matches only, on the first page and past it.
        for page in (1, 2):
            found = selectors.materials_search(
                user=reader, query="кейс", subject=maths.pk, per_page=1, page=page
            )
            assert found.total == 2 and len(found.hits) == 1
        assert search(grade=6) == ["Кейс: дроби", "Кейс: проценты"]
        assert search(grade=9, subject=maths.pk) == []
        assert search(kind=Kind.LESSON_PLAN) == ["Кейс: механика"]
        assert search(topic="дроби") == ["Кейс: дроби"]
        assert search(topic="ОГЭ") == ["Кейс: дроби"]
        assert search(licence=Licence.CC0) == ["Кейс: механика"]
        assert search(origin=district.school_b.pk) == ["Кейс: проценты"]
        assert search(origin=district.school_a, subject=maths.pk) == ["Кейс: дроби"]
        # Filters work without a query too.
        assert titles(selectors.materials_search(user=reader, subject=physics.pk)) == ["Кейс: механика"]


def test_sorting_by_newest_and_by_rating_and_pages(district: District) -> None:
    author = staff(district.school_a)
    raters = [staff(district.school_a) for _ in range(2)]
    made = [material(district.school_a, author, title=f"Кейс номер {n}") for n in range(5)]
    with tenant_context(district.school_a):
        now = timezone.now()
        for n, item in enumerate(made):  # "Кейс номер 4" is the newest
            Material.objects.filter(pk=item.pk).update(published_at=now - timedelta(days=10 - n))
        services.material_rate(material=made[1], score=5, actor=raters[0])
        services.material_rate(material=made[1], score=4, actor=raters[1])
        services.material_rate(material=made[3], score=3, actor=raters[0])
        reader = raters[0]
        newest = selectors.materials_search(user=reader, query="кейс", sort="newest")
        assert titles(newest) == [f"Кейс номер {n}" for n in (4, 3, 2, 1, 0)]
        best = selectors.materials_search(user=reader, query="кейс", sort="rating")
        assert titles(best)[:2] == ["Кейс номер 1", "Кейс номер 3"]
        page_2 = selectors.materials_search(user=reader, query="кейс", sort="newest", page=2, per_page=2)
        assert (page_2.total, page_2.num_pages, page_2.has_next) == (5, 3, True)
        assert titles(page_2) == ["Кейс номер 2", "Кейс номер 1"]
        with pytest.raises(MaterialInvalidError):
            selectors.materials_search(user=reader, query="кейс", sort="popularity")


def test_drafts_are_found_by_nobody_and_outsiders_cannot_search_a_schools_bank(district: District) -> None:
    author = staff(district.school_a)
    material(district.school_a, author, title="Черновик кейса по химии", publish=False)
    with tenant_context(district.school_a):
        assert selectors.materials_search(user=author, query="химии").total == 0
        assert selectors.materials_search(user=staff(district.school_a), query="химии").total == 0
        with pytest.raises(MaterialPermissionError):
            selectors.materials_search(user=staff(district.school_b), query="химии")
