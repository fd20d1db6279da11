"""The tutorials REST API: the same rules as the pages, 4xx with the field, in the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from accounts.models import Role
from tests.conftest import District, member
from tutorials import checkin
from tutorials.models import Registration, Session, Tutorial

from .factories import organiser_in, published, register, teacher_of

pytestmark = pytest.mark.django_db


def api(user: object, district: District) -> APIClient:
    client = APIClient(HTTP_HOST=district.host(district.centre))
    client.force_authenticate(user)
    return client


def test_list_register_cancel_and_my_registrations(district: District) -> None:
    with tenant_context(district.centre):
        tutorials = [published(organiser_in(district.centre)) for _ in range(3)]
        teacher = teacher_of(district.school_a)
    client = api(teacher.user, district)
    with CaptureQueriesContext(connection) as queries:
        listed = client.get("/api/tutorials/")
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()["results"]}
    assert {t.pk for t in tutorials} <= ids
    assert len(queries) <= 14
    created = client.post(f"/api/tutorials/{tutorials[0].pk}/register/", {"waitlist": False}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "confirmed"
    again = client.post(f"/api/tutorials/{tutorials[0].pk}/register/", {}, format="json")
    assert again.status_code == 409
    mine = client.get("/api/tutorials/registrations/").json()["results"]
    assert [r["tutorial_id"] for r in mine] == [tutorials[0].pk]
    cancelled = client.post(f"/api/tutorials/registrations/{created.json()['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_create_validates_and_names_the_field(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
    client = api(tutor.user, district)
    start = (timezone.now() + timedelta(days=4)).replace(microsecond=0)
    body = {
        "title": "Супервизия",
        "kind": "supervision",
        "sessions": [{"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()}],
        "capacity": 0,
        "place": "ЦРО",
    }
    bad = client.post("/api/tutorials/", body, format="json")
    assert bad.status_code == 400 and "capacity" in bad.json()
    with tenant_context(district.centre):
        assert not Tutorial.objects.filter(title="Супервизия").exists()
    body["capacity"] = 8
    good = client.post("/api/tutorials/", body, format="json")
    assert good.status_code == 201 and good.json()["status"] == "draft"
    teacher = teacher_of(district.school_a)
    assert api(teacher.user, district).post("/api/tutorials/", body, format="json").status_code == 403


def test_participants_endpoint_is_for_organisers_and_staff(district: District) -> None:
    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
        tutorial = published(tutor)
        teacher = teacher_of(district.school_a)
        register(tutorial, teacher)
        methodologist = member(district.centre, Role.METHODOLOGIST)
    url = f"/api/tutorials/{tutorial.pk}/participants/"
    rows = api(tutor.user, district).get(url).json()["results"]
    assert (
        rows[0]["name"] == teacher.user.get_full_name() and rows[0]["school"] == district.school_a.short_name
    )
    assert api(methodologist.user, district).get(url).status_code == 200
    assert api(teacher.user, district).get(url).status_code == 404
    assert api(organiser_in_centre(district).user, district).get(url).status_code == 404


def organiser_in_centre(district: District):  # type: ignore[no-untyped-def]
    with tenant_context(district.centre):
        return organiser_in(district.centre)


def test_checkin_wrong_code_is_400_and_the_right_one_201(district: District) -> None:
    with tenant_context(district.centre):
        tutorial = published(organiser_in(district.centre))
        teacher = teacher_of(district.school_a)
        register(tutorial, teacher)
        start = timezone.now() - timedelta(minutes=5)
        Session.objects.filter(tutorial=tutorial).update(starts_at=start, ends_at=start + timedelta(hours=1))
        session = tutorial.sessions.get()
    client = api(teacher.user, district)
    right = checkin.code_now(session.checkin_secret)
    wrong = client.post(
        f"/api/tutorials/{tutorial.pk}/checkin/", {"code": str((int(right) + 1) % 10**6).zfill(6)}
    )
    assert wrong.status_code == 400 and "code" in wrong.json()
    assert client.post(f"/api/tutorials/{tutorial.pk}/checkin/", {"code": right}).status_code == 201
    feedback = client.post(f"/api/tutorials/{tutorial.pk}/feedback/", {"useful": "x"}, format="json")
    assert feedback.status_code == 400 and "rating" in feedback.json()
    assert (
        client.post(f"/api/tutorials/{tutorial.pk}/feedback/", {"rating": 5}, format="json").status_code
        == 201
    )


def test_a_draft_is_invisible_to_teachers(district: District) -> None:
    with tenant_context(district.centre):
        draft = published(organiser_in(district.centre), publish=False)
    teacher = teacher_of(district.school_a)
    assert api(teacher.user, district).get(f"/api/tutorials/{draft.pk}/").status_code == 404
    assert Registration.objects is not None


def test_the_schema_has_the_tutorial_endpoints_without_warnings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/tutorials/:",
        "/api/tutorials/{tutorial_id}/register/:",
        "/api/tutorials/{tutorial_id}/checkin/:",
    ):
        assert path in text, path
