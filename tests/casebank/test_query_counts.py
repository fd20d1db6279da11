"""Every case-bank list page and list endpoint runs the same number of queries for 2 rows as for 7:
a query per row (an N+1) would show as 5 more."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from casebank import services
from tests.conftest import District, client_for, member

from .factories import material

pytestmark = pytest.mark.django_db

SCHOOL = "school1.localhost"
CENTRE = "centre.localhost"
FEW, MANY = 2, 7


def staff(organisation: Any, role: str = Role.TEACHER) -> User:
    return member(organisation, role, language="en").user  # type: ignore[no-any-return]


class Bank:
    """Rows of every list, added through the services: school materials (published, favourites of
    the reader, with co-authors), submissions awaiting moderation in the district bank, comments
    and versions of one material."""

    def __init__(self, district: District) -> None:
        self.district = district
        self.author = staff(district.school_a)
        self.co_author = staff(district.school_a)
        self.reader = staff(district.school_a)
        self.methodologist = staff(district.centre, Role.METHODOLOGIST)
        self.first: Any = None
        self.rows = 0

    def grow_to(self, rows: int) -> None:
        school = self.district.school_a
        while self.rows < rows:
            n = self.rows
            item = material(
                school, self.author, title=f"Кейс номер {n}: дроби", topics=["дроби"], subjects=[],
                co_authors=[self.co_author],
            )  # fmt: skip
            with tenant_context(school):
                services.favourite_set(material=item, favourite=True, actor=self.reader)
                services.material_submit(material=item, actor=self.author)
                self.first = self.first or item
                services.comment_create(material=self.first, text=f"Комментарий {n}", actor=self.reader)
                services.material_update(material=self.first, actor=self.author, abstract=f"Правка {n}")
            self.rows += 1


def _queries(request: tuple[Any, str, dict[str, Any]]) -> int:
    """Queries of one GET by an already signed-in client, from the public schema (as a request
    starts)."""
    client, path, params = request
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


def _lists(bank: Bank) -> dict[str, tuple[Any, str, dict[str, Any]]]:
    from rest_framework.test import APIClient

    def api(user: User, host: str) -> APIClient:
        client = APIClient(HTTP_HOST=host)
        client.force_authenticate(user)
        return client

    reader, author = client_for(bank.reader, SCHOOL), client_for(bank.author, SCHOOL)
    methodologist = client_for(bank.methodologist, CENTRE)
    reader_api, author_api = api(bank.reader, SCHOOL), api(bank.author, SCHOOL)
    methodologist_api = api(bank.methodologist, CENTRE)
    material = f"/api/casebank/materials/{bank.first.pk}/"
    return {
        "search page, no query": (reader, "/casebank/", {}),
        "search page, a query": (reader, "/casebank/", {"q": "дроби кейс"}),
        "search page, by rating": (reader, "/casebank/", {"q": "дроби", "sort": "rating"}),
        "search page, newest": (reader, "/casebank/", {"q": "дроби", "sort": "newest"}),
        "my materials page": (author, "/casebank/mine/", {}),
        "favourites page": (reader, "/casebank/favourites/", {}),
        "moderation page": (methodologist, "/casebank/moderation/", {}),
        "material page (comments, versions, similar)": (reader, f"/casebank/materials/{bank.first.pk}/", {}),
        "search endpoint": (reader_api, "/api/casebank/search/", {"q": "дроби"}),
        "search endpoint, no query": (reader_api, "/api/casebank/search/", {}),
        "my materials endpoint": (author_api, "/api/casebank/materials/", {}),
        "moderation endpoint": (methodologist_api, "/api/casebank/moderation/", {}),
        "comments endpoint": (reader_api, material + "comments/", {}),
        "versions endpoint": (author_api, material + "versions/", {}),
        "similar endpoint": (reader_api, material + "similar/", {}),
    }


def test_no_casebank_list_runs_a_query_per_row(district: District) -> None:
    bank = Bank(district)
    bank.grow_to(FEW)
    lists = _lists(bank)
    for request in lists.values():  # caches (the person's access, sessions) warmed alike
        _queries(request)
    few = {name: _queries(request) for name, request in lists.items()}
    bank.grow_to(MANY)
    many = {name: _queries(request) for name, request in lists.items()}
    assert many == few
    assert max(many.values()) <= 30, many


def test_search_hits_bring_their_authors_subjects_and_school_without_a_query(district: District) -> None:
    """Pins ``selectors.search._prefetched``: it fills ``material.authors.all()`` the way
    ``prefetch_related`` does, through ``QuerySet._result_cache`` (private). If a Django upgrade
    changes that, reading a hit's people would query again and this test fails."""
    from casebank import selectors
    from tests.factories import SubjectFactory

    bank = Bank(district)
    subject = SubjectFactory()
    material(district.school_a, bank.author, title="Кейс: дроби и проценты", subjects=[subject],
             co_authors=[bank.co_author])  # fmt: skip
    with tenant_context(district.school_a):
        result = selectors.materials_search(user=bank.reader, query="дроби проценты")
        hit = result.hits[0]
        with CaptureQueriesContext(connection) as queries:
            authors = list(hit.material.authors.all())
            subjects = [s.name for s in hit.material.subjects.all()]
            counted = (hit.material.authors.all().count(), len(hit.material.subjects.all()))
            origin = hit.material.origin_organisation
        assert len(queries) == 0, [q["sql"] for q in queries]
    assert {a.pk for a in authors} == {bank.author.pk, bank.co_author.pk}
    assert subjects == [subject.name] and counted == (2, 1) and origin is None
