"""The routes API: the same visibility as the pages, the schema, a bounded query count."""

from __future__ import annotations

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.diagnostics_campaigns.helpers import Cast

from .helpers import draft

CENTRE = "centre.localhost"


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient(HTTP_HOST=CENTRE)
    client.force_authenticate(user)
    return client


def test_the_api_shows_a_route_only_to_those_who_may_see_it(cast: Cast) -> None:
    route = draft(cast, items=2)
    other = draft(cast, "teacher_b")
    admin_a = api_for(cast.user("admin_a"))
    assert [r["id"] for r in admin_a.get("/api/routes/").json()] == [route.pk]
    detail = admin_a.get(f"/api/routes/{route.pk}/").json()
    assert [i["task"] for i in detail["items"]] == ["Задача 1", "Задача 2"]
    assert [t["to_status"] for t in detail["transitions"]] == ["draft"]
    assert admin_a.get(f"/api/routes/{other.pk}/").status_code == 404
    assert api_for(cast.user("teacher2")).get(f"/api/routes/{route.pk}/").status_code == 404
    assert {r["id"] for r in api_for(cast.user("methodologist")).get("/api/routes/").json()} >= {
        route.pk,
        other.pk,
    }


def test_the_list_and_detail_queries_do_not_grow(cast: Cast) -> None:
    small = draft(cast, items=1)
    big = draft(cast, "teacher2", items=10)
    client = api_for(cast.user("methodologist"))
    client.get("/api/routes/")  # the host and the person's memberships, looked up once
    with CaptureQueriesContext(connection) as one:
        client.get(f"/api/routes/{small.pk}/")
    with CaptureQueriesContext(connection) as ten:
        client.get(f"/api/routes/{big.pk}/")
    assert len(ten) == len(one)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/routes/")
    for who in ("teacher_b", "physics_teacher"):
        draft(cast, who, items=3)
    with CaptureQueriesContext(connection) as more:
        assert len(client.get("/api/routes/").json()) >= 4
    assert len(more) == len(few)


def test_the_schema_lists_the_routes_endpoints(cast: Cast) -> None:
    schema = json.loads(APIClient(HTTP_HOST=CENTRE).get("/api/schema/", {"format": "json"}).content)
    assert "/api/routes/" in schema["paths"] and "/api/routes/{route_id}/" in schema["paths"]
