"""Real responses of the consultations API validate against the OpenAPI schema it publishes
(/api/schema/): what a client generated from the schema accepts is what the API sends."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from consultations.models import Slot
from tests.conftest import District
from tests.factories import SubjectFactory

from .factories import teacher_in, tutor_in

pytestmark = pytest.mark.django_db

CENTRE = "centre.localhost"


def _client(user: Any) -> APIClient:
    client = APIClient(HTTP_HOST=CENTRE)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _json_schema(node: Any, components: dict[str, Any]) -> Any:
    """OpenAPI 3.0 → JSON Schema: ``$ref`` inlined, ``nullable`` as a null alternative."""
    if isinstance(node, list):
        return [_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[-1]], components)
    converted = {key: _json_schema(value, components) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


class Schema:
    def __init__(self) -> None:
        response = APIClient(HTTP_HOST=CENTRE).get("/api/schema/", {"format": "json"})
        self.document = json.loads(response.content)
        self.components = self.document["components"]["schemas"]

    def check(self, path: str, method: str, response: Any) -> None:
        """The response's body validates against the schema declared for its status."""
        declared = self.document["paths"][path][method]["responses"][str(response.status_code)]
        schema = _json_schema(declared["content"]["application/json"]["schema"], self.components)
        jsonschema.validate(response.json(), schema, format_checker=jsonschema.FormatChecker())


def test_the_consultations_responses_match_their_declared_schema(district: District) -> None:
    schema = Schema()
    tutor, teacher = tutor_in(district.centre), teacher_in(district.school_a)
    as_tutor, as_teacher = _client(tutor), _client(teacher)

    created = as_tutor.post(
        "/api/consultations/offerings/",
        {
            "subject": SubjectFactory().pk,
            "format": "group",
            "capacity": 2,
            "mode": "video",
            "min_notice_hours": 0,
            "weekly": [{"weekday": d, "starts": "15:00", "ends": "17:00"} for d in range(7)],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    schema.check("/api/consultations/offerings/", "post", created)
    offering_id = created.json()["id"]
    with tenant_context(district.centre):
        slot = Slot.objects.filter(offering_id=offering_id, is_cancelled=False).order_by("starts_at").last()
        assert slot is not None
    booked = as_teacher.post(
        "/api/consultations/bookings/", {"slot": slot.pk, "question": "Вопрос"}, format="json"
    )
    assert booked.status_code == 201, booked.content
    schema.check("/api/consultations/bookings/", "post", booked)
    booking_id = booked.json()["id"]

    reads = [
        (as_tutor, "/api/consultations/offerings/", "/api/consultations/offerings/"),
        (
            as_tutor,
            f"/api/consultations/offerings/{offering_id}/",
            "/api/consultations/offerings/{offering_id}/",
        ),
        (as_teacher, "/api/consultations/slots/", "/api/consultations/slots/"),
        (as_teacher, f"/api/consultations/slots/{slot.pk}/", "/api/consultations/slots/{slot_id}/"),
        (as_teacher, "/api/consultations/bookings/", "/api/consultations/bookings/"),
        (as_tutor, "/api/consultations/bookings/?as=tutor", "/api/consultations/bookings/"),
        # Far from its start: the join link is null, which the schema must allow.
        (
            as_teacher,
            f"/api/consultations/bookings/{booking_id}/",
            "/api/consultations/bookings/{booking_id}/",
        ),
        (as_teacher, "/api/consultations/waitlist/", "/api/consultations/waitlist/"),
    ]
    for client, url, path in reads:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        schema.check(path, "get", response)
    assert as_teacher.get(f"/api/consultations/bookings/{booking_id}/").json()["video_join_url"] is None
