"""Relevance without ranking every match: the matches that repeat a query word, when enough of
them rank above what any other match can (``casebank.selectors.search_candidates``).

Every page is pinned against the full ranking's definition in SQL; the bound itself is checked
against ``ts_rank`` on materials that hold each word once, wherever it stands.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from casebank import selectors
from casebank.models import Material
from casebank.selectors import search_plan
from casebank.selectors.search_candidates import bound_vector, query_lexemes
from tests.conftest import District
from tests.factories import SubjectFactory

from .factories import material, staff
from .full_ranking import exact_ids

pytestmark = pytest.mark.django_db

TOP = 10


def _exact(query: str, offset: int = 0, subject: int | None = None) -> list[int]:
    """The full ranking, by definition (``full_ranking``)."""
    return exact_ids(query, limit=TOP, offset=offset, subject=subject)


def _count(query: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM casebank_material WHERE status = 'published'"
            " AND search_vector @@ websearch_to_tsquery('russian'::regconfig, %s)",
            [query],
        )
        return cursor.fetchone()[0]


def _rank(query: str, vector_sql: str, args: list[Any]) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ts_rank({vector_sql}, websearch_to_tsquery('russian'::regconfig, %s))",  # noqa: S608
            [*args, query],
        )
        return cursor.fetchone()[0]


def _ids(page: selectors.SearchPage) -> list[int]:
    return [hit.material.pk for hit in page.hits]


def _search(user: Any, query: str, page: int = 1, **filters: Any) -> selectors.SearchPage:
    return selectors.materials_search(user=user, query=query, per_page=TOP, page=page, **filters)


def test_only_anded_words_are_pruned() -> None:
    assert query_lexemes("рабочая программа") == ("рабоч", "программ")
    assert query_lexemes("уравнения уравнения") == ("уравнен",)
    assert query_lexemes("оптика") == ("оптик",)
    for text in ("рабочая or программа", "рабочая -программа", '"рабочая программа"', "мастер-класс", "и"):
        assert query_lexemes(text) is None, text


@pytest.mark.parametrize("query", ["оптика", "рабочая программа", "технологическая карта урока"])
def test_a_material_with_each_word_once_ranks_at_most_the_bound(district: District, query: str) -> None:
    """Every placement of the words once each (title, abstract, both, far apart, side by side,
    in any order), with filler words around: never above ``ts_rank`` of the bound vector."""
    words = query.split()
    lexemes = query_lexemes(query)
    assert lexemes
    rnd = random.Random(20261204)
    filler = ["ученик", "класс", "задание", "решение", "проверка", "вывод", "модуль", "тест"]  # no query word
    with tenant_context(district.school_a):
        bound = _rank(query, "%s::tsvector", [bound_vector(lexemes)])
        ranks = []
        for order in itertools.permutations(words):
            for gap, in_title in itertools.product((0, 1, 3), range(len(words) + 1)):
                title_words, abstract_words = list(order[:in_title]), list(order[in_title:])

                def spaced(chosen: list[str], gap: int = gap) -> str:
                    return " ".join(w + " " + " ".join(rnd.sample(filler, gap)) for w in chosen)

                ranks.append(
                    _rank(
                        query,
                        "setweight(to_tsvector('russian', %s), 'A')"
                        " || setweight(to_tsvector('russian', %s), 'B')",
                        [spaced(title_words), spaced(abstract_words)],
                    )
                )
        assert max(ranks) <= bound
        assert max(ranks) == pytest.approx(bound, abs=1e-6)  # side by side in the title: the bound
        # A repeated word can go above it: those materials are the candidates.
        twice = f"{query} {query}"
        assert _rank(query, "setweight(to_tsvector('russian', %s), 'A')", [twice]) > bound


def _bank(district: District, subjects: tuple[Any, ...] = ()) -> Any:
    """Materials on «рабочая программа»: 24 repeat the words (candidates), 12 hold each once;
    ``subjects`` taken in turn."""
    author = staff(district.school_a)
    rnd = random.Random(20261204)
    for n in range(36):
        repeats = n % 3 != 0  # 24 of 36
        material(
            district.school_a,
            author,
            title=f"Рабочая программа {n}: " + rnd.choice(["алгебра", "геометрия", "физика"]),
            subjects=[subjects[n % len(subjects)]] if subjects else [],
            abstract=("Рабочая программа курса, рабочая программа модуля." if repeats else "Курс и модуль.")
            + " " + " ".join(rnd.sample(["урок", "задача", "класс", "тест", "проект"], 3)),
        )  # fmt: skip
    return author


def test_repeating_matches_hold_the_page_exactly(district: District, settings: Any) -> None:
    settings.CASEBANK_SEARCH_EXACT_TOTAL = 20
    author = _bank(district)
    with tenant_context(district.school_a):
        assert _count("рабочая программа") == 36
        for number in (1, 2):
            page = _search(author, "рабочая программа", page=number)
            assert page.plan == "candidates"
            assert _ids(page) == _exact("рабочая программа", offset=(number - 1) * TOP)
        # 36 matches counted up to 21: «more than 20».
        assert page.total == 20 and page.total_is_lower_bound
        settings.CASEBANK_SEARCH_EXACT_TOTAL = 1000
        page = _search(author, "рабочая программа")
        assert page.plan == "candidates" and page.total == 36 and not page.total_is_lower_bound
        # Page 3 needs 30 above the bound; 24 repeat the words: every match is ranked.
        page = _search(author, "рабочая программа", page=3)
        assert page.plan == "all" and _ids(page) == _exact("рабочая программа", offset=2 * TOP)
        assert page.total == 36


def test_the_subject_and_other_filters_apply_to_the_candidates(district: District) -> None:
    maths, physics = SubjectFactory(), SubjectFactory()
    author = _bank(district, (physics, maths, maths))  # maths: the 24 that repeat the words
    with tenant_context(district.school_a):
        assert Material.objects.filter(subjects=maths).count() == 24
        page = _search(author, "рабочая программа", subject=maths.pk)
        assert page.plan == "candidates" and page.total == 24
        assert _ids(page) == _exact("рабочая программа", subject=maths.pk)
        page = _search(author, "рабочая программа", subject=physics.pk)  # none repeats
        assert page.plan == "all" and page.total == 12
        assert _ids(page) == _exact("рабочая программа", subject=physics.pk)
        page = _search(author, "рабочая программа", subject=physics.pk + 1000)
        assert page.hits == [] and page.total == 0


def test_repeating_matches_below_the_bound_do_not_hold_the_page(district: District) -> None:
    """Twelve matches repeat «кейс» a few words from «математике» (≈ 0.67); fifteen hold each
    word once, close together in the title (0.985, under the bound 0.991): those come first, so
    every match is ranked — a bound set too low would put the repeating ones on the page."""
    author = staff(district.school_a)
    far = "ученик класс задание решение"
    low = [
        material(district.school_a, author, title=f"Кейс {n}", abstract=f"Кейс. {far} математике.")
        for n in range(12)
    ]
    for n in range(15):
        material(district.school_a, author, title=f"Кейс по математике {n}", abstract="Дроби.")
    with tenant_context(district.school_a):
        page = _search(author, "кейсы по математике")
        assert page.plan == "all" and page.total == 27 and not page.total_is_lower_bound
        assert _ids(page) == _exact("кейсы по математике")
        assert not {m.pk for m in low} & set(_ids(page))
        ranks = {hit.material.pk: hit.rank for hit in _search(author, "кейсы по математике", page=2).hits}
        assert 0.5 < max(ranks[m.pk] for m in low if m.pk in ranks) < 0.9


def test_a_first_look_that_missed_is_not_paid_again_for_a_while(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The candidates missed the page: the same search ranks every match at once (same page);
    another school's bank still looks first; after a while the look is tried again."""
    author = staff(district.school_a)
    reader = staff(district.school_b)
    for organisation, person in ((district.school_a, author), (district.school_b, reader)):
        for n in range(12):
            material(organisation, person, title=f"Кейс по математике {n}", abstract="Дроби.")

    def looked_first(user: Any, organisation: Any) -> tuple[bool, str, list[int]]:
        with tenant_context(organisation), CaptureQueriesContext(connection) as captured:
            page = _search(user, "кейсы по математике")
        looked = any("casebank_repeated_lexemes" in q["sql"] for q in captured.captured_queries)
        return looked, page.plan, _ids(page)

    first = looked_first(author, district.school_a)
    assert first[:2] == (True, "all")  # no material repeats a word: the look missed
    again = looked_first(author, district.school_a)
    assert again == (False, "all", first[2])
    assert looked_first(reader, district.school_b)[:2] == (True, "all")
    monkeypatch.setattr(search_plan, "FIRST_LOOK_FORGOTTEN_AFTER", 0.0)
    assert looked_first(author, district.school_a)[:2] == (True, "all")
