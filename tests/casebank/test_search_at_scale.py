"""Search with many matches: the window, the bounded total, and every page against the exact order.

In a large bank (``CASEBANK_SEARCH_WINDOW`` and ``CASEBANK_SEARCH_EXACT_TOTAL`` lowered here so
that a bank of 90 is "large"; the table analysed, as autovacuum does) a page is first looked for
among the newest (by rating: best rated) materials, and taken from there only when it is certain
to be the page of the full order (``casebank.selectors.search_plan.page_window``); the total then shows
as «more than N». Every page here is pinned against the full order's definition in SQL.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from casebank import selectors
from casebank.models import Material
from tests.conftest import District, client_for

from .factories import material, staff
from .full_ranking import exact_ids

pytestmark = pytest.mark.django_db

WORDS = ["дроби", "уравнения", "проценты", "геометрия", "функции", "задачи", "урок", "карта"]
KINDS = ["Технологическая карта урока", "Кейс", "Конспект урока", "Рабочая программа", "Сборник задач"]
QUERIES = ["дроби", "карта урока", "математика задачи", "уравнения проценты", "функции геометрия"]
MATERIALS = 90
TOP = 20


def _bank(district: District) -> Any:
    """90 published materials with overlapping words in titles, abstracts and texts, publication
    dates spread over a year and ratings (deterministic); the table analysed."""
    rnd = random.Random(20261203)
    author = staff(district.school_a)
    made = []
    for _ in range(MATERIALS):
        words = rnd.sample(WORDS, 3)
        made.append(
            material(
                district.school_a,
                author,
                title=f"{rnd.choice(KINDS)} по математике: {words[0]}, {words[1]}",
                abstract=" ".join(rnd.choices(WORDS, k=rnd.randint(0, 6))),
                body=f"<p>{' '.join(rnd.choices(WORDS + ['ученик', 'класс'], k=30))}</p>",
            )  # fmt: skip
        )
    with tenant_context(district.school_a):
        now = timezone.now()
        for item in made:
            count = rnd.randint(0, 3)
            total = sum(rnd.randint(1, 5) for _ in range(count))
            Material.objects.filter(pk=item.pk).update(
                published_at=now - timedelta(days=rnd.randint(0, 365)),
                rating_count=count, rating_sum=total, rating_average=round(total / count, 2) if count else 0,
            )  # fmt: skip
        _analyse()
    return author


def _settings() -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_indexscan'), current_setting('work_mem'), current_setting('jit')"
        )
        return tuple(cursor.fetchone())


def _analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE casebank_material")


def _exact(query: str, sort: str = "relevance", offset: int = 0) -> list[int]:
    """The full ranking, by definition (``full_ranking``)."""
    return exact_ids(query, sort=sort, limit=TOP, offset=offset)


def _page(user: Any, query: str, sort: str = "relevance", page: int = 1) -> selectors.SearchPage:
    return selectors.materials_search(user=user, query=query, sort=sort, per_page=TOP, page=page)


def _ids(page: selectors.SearchPage) -> list[int]:
    return [hit.material.pk for hit in page.hits]


@pytest.fixture
def large(settings: Any) -> None:
    settings.CASEBANK_SEARCH_EXACT_TOTAL = 10
    settings.CASEBANK_SEARCH_WINDOW = 40
    settings.CASEBANK_SEARCH_WINDOW_SHARE = 0.8  # a window of 40 in a bank of 90 is tried


def test_pages_by_relevance_are_the_full_ranking_whichever_way_they_are_found(
    district: District, large: None
) -> None:
    """Relevance is never approximated: a page comes from the window only with enough
    materials ranked at ts_rank's ceiling there; otherwise every match is ranked."""
    author = _bank(district)
    with tenant_context(district.school_a):
        for query in QUERIES:
            for number in (1, 2):
                page = _page(author, query, page=number)
                exact = _exact(query, offset=(number - 1) * TOP)
                assert len(exact) == TOP, query  # enough matches for two full pages
                assert _ids(page) == exact, (query, number)
                if page.plan == "candidates":  # counted up to 11: «more than 10»
                    assert page.total_is_lower_bound and page.total == 10
                else:
                    assert page.plan == "all" and not page.total_is_lower_bound and page.total > 10


def test_a_page_of_materials_ranked_at_the_ceiling_comes_from_the_window(
    district: District, large: None, settings: Any
) -> None:
    """ts_rank gives at most 1.0; a material outside the window ranks no higher and is older,
    so ``TOP`` materials ranked 1.0 among the newest are the first page of the full ranking."""
    settings.CASEBANK_SEARCH_WINDOW = 46
    author = staff(district.school_a)
    ceiling = [
        material(
            district.school_a,
            author,
            title=f"Технологическая карта урока {n}: технологическая карта урока",
            abstract="Технологическая карта урока. Технологическая карта урока. Дроби и уравнения.",
        )  # fmt: skip
        for n in range(2 * TOP)
    ]
    others = [
        material(district.school_a, author, title=f"Конспект урока {n}", abstract="Карта.") for n in range(60)
    ]
    with tenant_context(district.school_a):
        now = timezone.now()  # interleaved: half of the newest 46 are ranked at the ceiling
        for hours, item in [(2 * n, m) for n, m in enumerate(ceiling)] + [
            (2 * n + 1, m) for n, m in enumerate(others)
        ]:
            Material.objects.filter(pk=item.pk).update(published_at=now - timedelta(hours=hours))
        _analyse()
        before = _settings()
        # A phrase (not ANDed words: not pruned by repeated words, ``search_candidates``).
        phrase = '"технологическая карта урока"'
        page = _page(author, phrase)
        assert page.plan == "window"
        assert _settings() == before  # the planner settings of the search are set back
        assert {hit.rank for hit in page.hits} == {1.0}
        assert _ids(page) == _exact(phrase)
        assert page.total_is_lower_bound and page.total == 10
        # The same words ANDed: three words are tried in the window too (in a large bank, the
        # smaller look); without a window the repeating matches hold the page; the same order.
        page = _page(author, "технологическая карта урока")
        assert page.plan == "window" and _ids(page) == _exact("технологическая карта урока")
        settings.CASEBANK_SEARCH_WINDOW_SHARE = 0.01
        page = _page(author, "технологическая карта урока")
        assert page.plan == "candidates" and _ids(page) == _exact("технологическая карта урока")
        # A query whose best materials rank below the ceiling: every match ranked, the same order.
        page = _page(author, "дроби уравнения")
        assert page.plan == "all" and _ids(page) == _exact("дроби уравнения")


def test_sorted_pages_among_many_matches_equal_the_exact_order(district: District, large: None) -> None:
    """Newest first and best rated among many matches: from the window, the same order."""
    author = _bank(district)
    with tenant_context(district.school_a):
        windowed = set()
        for sort in ("newest", "rating"):
            for query in QUERIES:
                page = _page(author, query, sort)
                assert _ids(page) == _exact(query, sort), (query, sort)
                second = _page(author, query, sort, page=2)
                assert _ids(second) == _exact(query, sort, offset=TOP), (query, sort)
                if page.plan == "window":
                    windowed.add(sort)
                    assert page.total_is_lower_bound and page.total == 10
                else:
                    assert page.plan == "all" and not page.total_is_lower_bound
        assert windowed == {"newest", "rating"}  # the window held a page for both orders


def test_a_window_that_is_much_of_the_bank_is_not_tried(
    district: District, large: None, settings: Any
) -> None:
    """A window of 40 in a bank of 90 is not tried at the default share (10 %): every match is
    ranked, counted exactly, and the page is the same."""
    author = _bank(district)
    settings.CASEBANK_SEARCH_WINDOW_SHARE = 0.1
    with tenant_context(district.school_a):
        for sort in ("newest", "rating"):
            page = _page(author, "дроби", sort)
            assert page.plan == "all" and not page.total_is_lower_bound and page.total > TOP
            assert _ids(page) == _exact("дроби", sort)
        # About 10 % of the bank (the statistics' steps are a bank's 1/90 here): tried, and it holds the page.
        settings.CASEBANK_SEARCH_WINDOW, settings.CASEBANK_SEARCH_WINDOW_SHARE = 9, 0.15
        settings.CASEBANK_SEARCH_EXACT_TOTAL = 5
        page = selectors.materials_search(user=author, query="дроби", sort="newest", per_page=5)
        assert page.plan == "window" and page.total_is_lower_bound
        assert _ids(page) == _exact("дроби", "newest")[:5]


def test_few_matches_are_counted_exactly_and_many_are_shown_as_more_than(
    district: District, settings: Any
) -> None:
    author = _bank(district)
    with tenant_context(district.school_a):
        page = _page(author, "дроби", "newest")  # the bank is smaller than the window: all counted
        assert page.plan == "all" and not page.total_is_lower_bound
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM casebank_material WHERE status = 'published'"
                " AND search_vector @@ websearch_to_tsquery('russian'::regconfig, 'дроби')"
            )
            assert page.total == cursor.fetchone()[0] > TOP
        assert _ids(page) == _exact("дроби", "newest")
    settings.CASEBANK_SEARCH_EXACT_TOTAL = 10
    settings.CASEBANK_SEARCH_WINDOW = 40
    settings.CASEBANK_SEARCH_WINDOW_SHARE = 0.8
    client = APIClient(HTTP_HOST="school1.localhost")
    client.force_authenticate(author)
    for params in ({"q": "дроби", "sort": "newest"}, {}):  # a query newest first; the whole bank
        body = client.get("/api/casebank/search/", {**params, "page_size": 10}).json()
        assert (body["count"], body["count_is_lower_bound"], body["has_next"]) == (10, True, True)
        assert len(body["results"]) == 10
    author.language = "en"
    author.save(update_fields=["language"])
    html = client_for(author, "school1.localhost").get("/casebank/", {"sort": "newest"}).content.decode()
    assert "More than 10 materials found" in html
