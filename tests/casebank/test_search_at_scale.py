"""Search with many matches: the bounded total, and every first page against the exact ranking.

With more matches than ``CASEBANK_SEARCH_EXACT_TOTAL`` (lowered here so that a bank of 90 is
"large") a newest-first page walks the publication index and the total shows as «more than N»
(``casebank.selectors.search._plan``); by relevance and by rating every match is still ranked:
the first page is exactly today's full ranking, pinned here against its definition in SQL.
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

pytestmark = pytest.mark.django_db

WORDS = ["дроби", "уравнения", "проценты", "геометрия", "функции", "задачи", "урок", "карта"]
KINDS = ["Технологическая карта урока", "Кейс", "Конспект урока", "Рабочая программа", "Сборник задач"]
QUERIES = ["дроби", "карта урока", "математика задачи", "уравнения проценты", "функции геометрия"]
MATERIALS = 90
TOP = 20


def _bank(district: District) -> Any:
    """90 published materials with overlapping words in titles, abstracts and texts, and
    publication dates spread over a year (deterministic)."""
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
            Material.objects.filter(pk=item.pk).update(published_at=now - timedelta(days=rnd.randint(0, 365)))
    return author


def _exact(query: str, sort: str = "relevance") -> list[int]:
    """The full ranking, by definition: every match, ``ts_rank`` on ``rank_vector``, then newest."""
    order = {
        "relevance": "ts_rank(rank_vector, q) DESC, published_at DESC, id DESC",
        "newest": "published_at DESC, id DESC",
        "rating": "rating_average DESC, rating_count DESC, published_at DESC, id DESC",
    }[sort]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM casebank_material, websearch_to_tsquery('russian'::regconfig, %s) q"  # noqa: S608
            f" WHERE status = 'published' AND search_vector @@ q ORDER BY {order} LIMIT %s",
            [query, TOP],
        )
        return [row[0] for row in cursor.fetchall()]


def _page(user: Any, query: str, sort: str = "relevance") -> selectors.SearchPage:
    return selectors.materials_search(user=user, query=query, sort=sort, per_page=TOP)


@pytest.fixture
def large(settings: Any) -> None:
    settings.CASEBANK_SEARCH_EXACT_TOTAL = 10


def test_the_first_page_by_relevance_is_the_full_ranking_even_among_many_matches(
    district: District, large: None
) -> None:
    """Relevance is never approximated: every match is ranked, so it is counted exactly too."""
    author = _bank(district)
    with tenant_context(district.school_a):
        for query in QUERIES:
            page = _page(author, query)
            exact = _exact(query)
            assert len(exact) == TOP, query  # enough matches for a full first page
            assert page.plan == "all"
            assert [hit.material.pk for hit in page.hits] == exact, query
            assert not page.total_is_lower_bound and page.total > 10


def test_sorted_pages_among_many_matches_equal_the_exact_order(district: District, large: None) -> None:
    """Newest first among many matches walks the publication index (``ordered``): same order."""
    author = _bank(district)
    with tenant_context(district.school_a):
        for sort in ("newest", "rating"):
            for query in QUERIES:
                page = _page(author, query, sort)
                assert page.plan == ("ordered" if sort == "newest" else "all")
                assert [hit.material.pk for hit in page.hits] == _exact(query, sort), (query, sort)
                second = selectors.materials_search(user=author, query=query, sort=sort, per_page=TOP, page=2)
                assert second.hits and not {h.material.pk for h in second.hits} & {
                    h.material.pk for h in page.hits
                }
                assert page.total_is_lower_bound == (sort == "newest")


def test_few_matches_are_counted_exactly_and_many_are_shown_as_more_than(
    district: District, settings: Any
) -> None:
    author = _bank(district)
    with tenant_context(district.school_a):
        page = _page(author, "дроби", "newest")
        assert page.plan == "all" and not page.total_is_lower_bound
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM casebank_material WHERE status = 'published'"
                " AND search_vector @@ websearch_to_tsquery('russian'::regconfig, 'дроби')"
            )
            assert page.total == cursor.fetchone()[0] > TOP
        assert [hit.material.pk for hit in page.hits] == _exact("дроби", "newest")
    settings.CASEBANK_SEARCH_EXACT_TOTAL = 10
    client = APIClient(HTTP_HOST="school1.localhost")
    client.force_authenticate(author)
    for params in ({"q": "дроби", "sort": "newest"}, {}):  # a query newest first; the whole bank
        body = client.get("/api/casebank/search/", params).json()
        assert (body["count"], body["count_is_lower_bound"], body["has_next"]) == (10, True, True)
        assert len(body["results"]) == 20
    author.language = "en"
    author.save(update_fields=["language"])
    html = client_for(author, "school1.localhost").get("/casebank/", {"sort": "newest"}).content.decode()
    assert "More than 10 materials found" in html
