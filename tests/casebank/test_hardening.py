"""No query parameter of a case-bank page or endpoint makes a 500; the answers agree with /api/schema/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django_tenants.utils import tenant_context
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient

from accounts.models import Role, User
from casebank import selectors, services
from tests.conftest import District, client_for, member

from .factories import district_material, material, pdf_file

pytestmark = pytest.mark.django_db

SCHOOL = "school1.localhost"
CENTRE = "centre.localhost"
HUGE = "99999999999999999999"
# Values that broke or could break a parser: beyond bigint, negative, zero, not a number, a float,
# empty, a NUL byte, very long, an unknown choice.
NASTY = [HUGE, "-1", "0", "abc", "1.5", "", "\x00", "9" * 400, "é" * 300, "2026-13-45"]
SEARCH_PARAMETERS = [
    "q",
    "page",
    "page_size",
    "subject",
    "grade",
    "kind",
    "topic",
    "origin",
    "licence",
    "sort",
]


def staff(organisation: Any, role: str = Role.TEACHER) -> User:
    return member(organisation, role, language="en").user  # type: ignore[no-any-return]


def api(user: User, host: str) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


@pytest.fixture
def readers(district: District) -> dict[str, Any]:
    """A published district material and a school material, with a teacher and a methodologist."""
    author = staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    own, copy = district_material(
        district, author, methodologist, title="Кейс: дроби и проценты", topics=["дроби"]
    )
    # A second one on the same topic: "more like this" is not empty.
    district_material(district, author, methodologist, title="Кейс: дроби", topics=["дроби"])
    return {"author": author, "methodologist": methodologist, "own": own, "copy": copy, "district": district}


def _pages(readers: dict[str, Any]) -> list[tuple[str, str, User]]:
    own, copy = readers["own"], readers["copy"]
    author, methodologist = readers["author"], readers["methodologist"]
    return [
        (SCHOOL, "/casebank/", author), (CENTRE, "/casebank/", author), (CENTRE, "/casebank/", methodologist),
        (SCHOOL, "/casebank/mine/", author), (SCHOOL, "/casebank/favourites/", author),
        (CENTRE, "/casebank/moderation/", methodologist),
        (SCHOOL, f"/casebank/materials/{own.pk}/", author),
        (CENTRE, f"/casebank/materials/{copy.pk}/", author),
        (SCHOOL, f"/casebank/materials/{own.pk}/versions/1/", author),
    ]  # fmt: skip


def _endpoints(readers: dict[str, Any]) -> list[tuple[str, str, User]]:
    own, copy = readers["own"], readers["copy"]
    author, methodologist = readers["author"], readers["methodologist"]
    return [
        (SCHOOL, "/api/casebank/search/", author), (CENTRE, "/api/casebank/search/", author),
        (SCHOOL, "/api/casebank/materials/", author), (CENTRE, "/api/casebank/moderation/", methodologist),
        (SCHOOL, f"/api/casebank/materials/{own.pk}/", author),
        (CENTRE, f"/api/casebank/materials/{copy.pk}/versions/", author),
        (CENTRE, f"/api/casebank/materials/{copy.pk}/comments/", author),
        (CENTRE, f"/api/casebank/materials/{copy.pk}/similar/", author),
    ]  # fmt: skip


@pytest.mark.parametrize("value", NASTY)
def test_no_query_parameter_value_makes_a_casebank_page_or_endpoint_answer_500(
    readers: dict[str, Any], value: str
) -> None:
    """The search page and endpoint read every parameter: each one alone gets the value. The other
    pages and endpoints get all of them at once (those that page read ``page`` and ``page_size``)."""
    clients = {"page": client_for, "api": api}
    for kind, targets in (("page", _pages(readers)), ("api", _endpoints(readers))):
        for host, path, user in targets:
            client = clients[kind](user, host)
            searching = path.endswith(("/casebank/", "/search/"))
            queries = [{name: value} for name in SEARCH_PARAMETERS] if searching else []
            queries += [{"q": "дроби", name: value} for name in SEARCH_PARAMETERS] if searching else []
            queries.append(dict.fromkeys(SEARCH_PARAMETERS, value))
            for params in queries:
                response = client.get(path, params)
                assert response.status_code < 500, (path, params, response.status_code)


def test_a_page_number_beyond_bigint_is_a_400_in_the_api_and_the_last_possible_page_on_the_page(
    readers: dict[str, Any],
) -> None:
    author = readers["author"]
    for host in (SCHOOL, CENTRE):
        response = api(author, host).get("/api/casebank/search/", {"q": "дроби", "page": HUGE})
        assert response.status_code == 400 and "page" in response.json()
        page = client_for(author, host).get("/casebank/", {"q": "дроби", "page": HUGE})
        assert page.status_code == 200
        assert page.context["result"].page == selectors.MAX_PAGE
        assert page.context["result"].hits == []


def test_the_selector_clamps_a_page_beyond_the_last_possible_one(readers: dict[str, Any]) -> None:
    with tenant_context(readers["district"].centre):
        result = selectors.materials_search(user=readers["author"], query="дроби", page=int(HUGE))
    assert result.page == selectors.MAX_PAGE and result.hits == [] and result.total >= 1


# --- the answers agree with the OpenAPI schema ---------------------------------------------------


def _schema(client: APIClient) -> dict[str, Any]:
    response = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)  # type: ignore[no-any-return]


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0's schema dialect as JSON Schema: ``nullable`` becomes a null type; refs resolve
    against the document's components (kept under ``$defs``)."""
    if isinstance(node, dict):
        converted = {k: _json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
        if "$ref" in converted:
            converted["$ref"] = converted["$ref"].replace("#/components/schemas/", "#/$defs/")
        if node.get("nullable"):
            return {"anyOf": [converted, {"type": "null"}]}
        return converted
    if isinstance(node, list):
        return [_json_schema(v) for v in node]
    return node


def _response_schema(schema: dict[str, Any], path: str) -> dict[str, Any]:
    operation = schema["paths"][path]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return {**_json_schema(body), "$defs": _json_schema(schema["components"]["schemas"])}


@pytest.mark.parametrize(
    ("path", "template", "host", "who"),
    [
        ("versions/", "/api/casebank/materials/{material_id}/versions/", CENTRE, "author"),
        ("similar/", "/api/casebank/materials/{material_id}/similar/", CENTRE, "author"),
        ("", "/api/casebank/materials/{material_id}/", CENTRE, "author"),
        ("comments/", "/api/casebank/materials/{material_id}/comments/", CENTRE, "author"),
    ],
)
def test_real_answers_of_the_material_endpoints_match_the_declared_schema(
    readers: dict[str, Any], path: str, template: str, host: str, who: str
) -> None:
    client = api(readers[who], host)
    copy = readers["copy"]
    response = client.get(f"/api/casebank/materials/{copy.pk}/{path}")
    assert response.status_code == 200
    body = response.json()
    Draft202012Validator(_response_schema(_schema(client), template)).validate(body)
    if path in ("versions/", "similar/"):
        assert isinstance(body, list) and body, "a plain list, as declared"


def test_the_search_answer_matches_the_declared_schema(readers: dict[str, Any]) -> None:
    client = api(readers["author"], CENTRE)
    body = client.get("/api/casebank/search/", {"q": "дроби"}).json()
    assert body["results"]
    Draft202012Validator(_response_schema(_schema(client), "/api/casebank/search/")).validate(body)


def test_materials_written_in_a_school_are_found_in_its_own_bank(readers: dict[str, Any]) -> None:
    """Guards the fixture: the school material is published in the school's bank."""
    school = readers["own"]
    result = api(readers["author"], SCHOOL).get("/api/casebank/search/", {"q": "дроби"}).json()
    assert school.pk in [hit["material"]["id"] for hit in result["results"]]


def test_a_page_of_a_material_with_an_unknown_version_is_a_404(readers: dict[str, Any]) -> None:
    own = readers["own"]
    response = client_for(readers["author"], SCHOOL).get(f"/casebank/materials/{own.pk}/versions/{HUGE}/")
    assert response.status_code == 404


# --- files written by a transaction that rolls back ------------------------------------------------


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _refuse_attachments(organisation: Any) -> None:
    """Make the database itself refuse any attachment row in ``organisation``'s schema (undone with
    the test's transaction): the service fails after it has written the file."""
    with tenant_context(organisation), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE casebank_attachment ADD CONSTRAINT test_no_rows CHECK (size < 0)")


def test_a_file_written_by_a_material_whose_transaction_rolls_back_is_removed(
    district: District, _media_root: Path
) -> None:
    author = staff(district.school_a)
    _refuse_attachments(district.school_a)
    with tenant_context(district.school_a), pytest.raises(IntegrityError):
        services.material_create(actor=author, title="Кейс с файлом", files=[pdf_file()])
    assert _files_under(_media_root) == []


def test_a_file_copied_to_the_district_by_a_submission_that_rolls_back_is_removed(
    district: District, _media_root: Path
) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, title="Кейс с файлом", files=[pdf_file()])
    kept = _files_under(_media_root)
    assert len(kept) == 1
    _refuse_attachments(district.centre)
    with tenant_context(district.school_a), pytest.raises(IntegrityError):
        services.material_submit(material=own, actor=author)
    assert _files_under(_media_root) == kept  # the school's own file stays, the copy is gone


def test_files_of_a_transaction_that_commits_stay(district: District, _media_root: Path) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, title="Кейс с файлом", files=[pdf_file()])
    with tenant_context(district.school_a):
        services.material_submit(material=own, actor=author)
    assert len(_files_under(_media_root)) == 2
