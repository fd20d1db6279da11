"""GET /api/me/ and GET /api/organisation/."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Role, User
from tests.conftest import District, member
from tests.factories import MembershipFactory, SubjectFactory

pytestmark = pytest.mark.django_db


def api_as(user: User | None, host: str) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_me_lists_the_persons_memberships_in_every_organisation(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER, last_name="Орлова", first_name="Анна").user
    subject = SubjectFactory()
    tutor = MembershipFactory(user=teacher, organisation=district.centre, role=Role.TUTOR)
    tutor.subjects.set([subject])
    response = api_as(teacher, "school1.localhost").get("/api/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["person"]["email"] == teacher.email
    assert body["person"]["last_name"] == "Орлова"
    by_org = {m["organisation_id"]: m for m in body["memberships"]}
    assert set(by_org) == {district.school_a.pk, district.centre.pk}
    assert by_org[district.school_a.pk]["host"] == "school1.localhost"
    assert by_org[district.school_a.pk]["organisation_name"] == district.school_a.name
    assert by_org[district.school_a.pk]["role"] == Role.TEACHER
    assert by_org[district.centre.pk]["role"] == Role.TUTOR
    assert by_org[district.centre.pk]["subjects"] == [{"id": subject.pk, "name": subject.name}]


def test_me_leaves_out_deactivated_memberships(district: District) -> None:
    teacher = member(district.school_a).user
    MembershipFactory(user=teacher, organisation=district.school_b, role=Role.TEACHER, is_active=False)
    body = api_as(teacher, "school1.localhost").get("/api/me/").json()
    assert [m["organisation_id"] for m in body["memberships"]] == [district.school_a.pk]


def test_me_needs_a_signed_in_person(district: District) -> None:
    assert api_as(None, "school1.localhost").get("/api/me/").status_code == 401


def test_a_member_sees_the_organisation_of_this_host(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    response = api_as(teacher, "school1.localhost").get("/api/organisation/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["kind"], body["name"], body["host"]) == (
        district.school_a.pk,
        "school",
        district.school_a.name,
        "school1.localhost",
    )
    assert body["centre_id"] == district.centre.pk
    assert body["my_role"] == Role.TEACHER


def test_a_deactivated_member_sees_nothing_of_the_organisation(district: District) -> None:
    membership = member(district.school_a, Role.TEACHER)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    assert api_as(membership.user, "school1.localhost").get("/api/organisation/").status_code == 403
