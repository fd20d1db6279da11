"""The bank's REST API: list with filters (query count), create, edit (versions), archive,
403 for anyone but methodologists, 404 across organisations, in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from tests.conftest import District, client_for, member
from tutorials.diagnostics.models import ItemType
from tutorials.diagnostics.services import versions_mark_used

from .factories import BODIES, bank_codifier, make_item, methodologist

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(district: District) -> dict[str, Any]:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        items = [make_item(actor=actor, codifier=codifier, type=t) for t in ItemType.values]
        items += [make_item(actor=actor, codifier=codifier, codes=("3.2",)) for _ in range(10)]
    client = client_for(actor, district.host(district.centre))
    return {"actor": actor, "codifier": codifier, "items": items, "client": client}


def test_the_list_pages_and_filters_in_a_few_queries(
    bank: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(10):
        data = bank["client"].get("/api/diagnostics/bank/items/?page_size=50").json()
    assert data["count"] == 16
    first = data["results"][0]
    assert {"id", "type", "subject", "current_version"} <= set(first)
    assert first["current_version"]["topics"][0]["code"]
    topic = bank["codifier"].topics.get(code="3.2")
    assert bank["client"].get(f"/api/diagnostics/bank/items/?topic={topic.pk}").json()["count"] == 10
    assert bank["client"].get("/api/diagnostics/bank/items/?type=matching").json()["count"] == 1


def test_create_then_edit_a_used_item_makes_a_new_version(bank: dict[str, Any], district: District) -> None:
    codifier = bank["codifier"]
    topic_ids = list(codifier.topics.filter(code__in=["1.2"]).values_list("pk", flat=True))
    payload = {
        "subject_id": codifier.subject_id, "type": "numeric", "name": "Скорость", "text": "Найдите \\(v\\)",
        "body": {"value": "12,5", "tolerance": "0.1", "unit": "км/ч"}, "max_points": "1",
        "topic_ids": topic_ids,
    }  # fmt: skip
    created = bank["client"].post("/api/diagnostics/bank/items/", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["current_version"]["body"]["value"] == "12.5"
    with tenant_context(district.centre):
        versions_mark_used([item["current_version"]["id"]])
    payload["body"] = {"value": "13"}
    edited = bank["client"].put(
        f"/api/diagnostics/bank/items/{item['id']}/", payload, content_type="application/json"
    )
    assert edited.status_code == 200 and edited.json()["current_version"]["number"] == 2
    versions = bank["client"].get(f"/api/diagnostics/bank/items/{item['id']}/versions/").json()
    assert [v["body"]["value"] for v in versions] == ["12.5", "13"]


def test_bad_content_is_a_400_naming_the_field(bank: dict[str, Any]) -> None:
    codifier = bank["codifier"]
    payload = {
        "subject_id": codifier.subject_id, "type": "single", "text": "?",
        "body": {"choices": [{"id": "a", "text": "1"}, {"id": "b", "text": "2"}]},
        "topic_ids": [codifier.topics.first().pk],
    }  # fmt: skip
    response = bank["client"].post("/api/diagnostics/bank/items/", payload, content_type="application/json")
    assert response.status_code == 400 and "choices" in response.json()


def test_archiving_hides_an_item_from_the_list(bank: dict[str, Any]) -> None:
    item = bank["items"][0]
    response = bank["client"].post(f"/api/diagnostics/bank/items/{item.pk}/archive/", {"archived": True})
    assert response.status_code == 200 and response.json()["archived"] is True
    assert bank["client"].get("/api/diagnostics/bank/items/").json()["count"] == 15


@pytest.mark.parametrize("role", [Role.TUTOR, Role.CENTRE_ADMIN])
def test_only_bank_roles_use_the_api(bank: dict[str, Any], district: District, role: str) -> None:
    client = client_for(member(district.centre, role).user, district.host(district.centre))
    status = client.get("/api/diagnostics/bank/items/").status_code
    assert status == (200 if role == Role.CENTRE_ADMIN else 403)


def test_a_teacher_gets_a_403_and_another_schools_bank_is_a_404(
    bank: dict[str, Any], district: District
) -> None:
    teacher = client_for(member(district.school_a, Role.TEACHER).user, district.host(district.centre))
    assert teacher.get("/api/diagnostics/bank/items/").status_code == 403
    assert teacher.get(f"/api/diagnostics/bank/items/{bank['items'][0].pk}/").status_code == 403
    with tenant_context(district.school_a):
        admin_a = methodologist(district.school_a)
        own = make_item(actor=admin_a, codifier=bank_codifier(), body=BODIES[ItemType.SINGLE])
    admin_b = methodologist(district.school_b)
    client_b = client_for(admin_b, district.host(district.school_b))
    listed = client_b.get("/api/diagnostics/bank/items/").json()
    assert own.pk not in [i["id"] for i in listed["results"]]
    assert client_b.get(f"/api/diagnostics/bank/items/{own.pk}/").status_code == 404


def test_the_bank_api_is_in_the_openapi_schema(bank: dict[str, Any]) -> None:
    schema = bank["client"].get("/api/schema/").content.decode()
    assert "/api/diagnostics/bank/items/" in schema and "diagnostics_bank_item_update" in schema
