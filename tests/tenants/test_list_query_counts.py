"""Every list page of the administration (and the staff list endpoint) costs the same number
of queries for a few rows as for several times as many: a per-row query would show as a
difference.  The rows are built through the services: members join by an invitation they
accept, tutors are appointed, subjects and academic years are saved, a school is onboarded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Membership, Role
from notifications.models import Kind, Notification
from tenants import services as tenant_services
from tenants.models import Organisation, Subject
from tests.conftest import District, client_for, member
from tests.factories import PASSWORD, unique

pytestmark = pytest.mark.django_db

SCHOOL_A = "school1.localhost"
CENTRE = "centre.localhost"


def queries_of(fetch: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200
    return len(captured)


def assert_flat(fetch: Callable[[], Any], grow: Callable[[int], None]) -> None:
    """The page costs as many queries with 2 more rows of each kind as with 8 more."""
    grow(2)
    fetch()  # warm the per-process caches (hosts, memberships)
    few = queries_of(fetch)
    grow(6)
    many = queries_of(fetch)
    assert many == few, f"{few} queries with few rows, {many} with many"


def subject_saved(admin: Membership) -> Subject:
    return tenant_services.subject_save(
        actor=admin.user, actor_membership=admin, name=unique("Предмет"), code=unique("subj")
    )


def invited(organisation: Organisation, admin: Membership, role: str, subjects: list[Subject]) -> str:
    email = f"{unique('invited')}@example.org"
    account_services.invitation_create(
        organisation=organisation,
        email=email,
        role=role,
        actor=admin.user,
        actor_membership=admin,
        subjects=subjects,
        last_name="Орлова",
        first_name="Вера",
    )
    return email


def joined(organisation: Organisation, admin: Membership, role: str, subjects: list[Subject]) -> Membership:
    """A new person who accepted an invitation (the link's token is read from the outbox)."""
    email = invited(organisation, admin, role, subjects)
    link = Notification.objects.filter(kind=Kind.INVITATION, email=email).latest("pk").link
    token = link.rstrip("/").rsplit("/", 1)[1]
    return account_services.invitation_accept(token=token, password=PASSWORD)


def test_the_staff_page_costs_the_same_queries_for_many_members_and_invitations(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    centre_admin = member(district.centre, Role.CENTRE_ADMIN)
    client = client_for(admin.user, SCHOOL_A)

    def grow(k: int) -> None:
        for _ in range(k):
            subjects = [subject_saved(centre_admin), subject_saved(centre_admin)]
            joined(district.school_a, admin, Role.TEACHER, subjects)
            invited(district.school_a, admin, Role.TUTOR, subjects)

    assert_flat(lambda: client.get("/staff/"), grow)


def test_the_staff_endpoint_costs_the_same_queries_for_many_members(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    centre_admin = member(district.centre, Role.CENTRE_ADMIN)
    client = APIClient(HTTP_HOST=SCHOOL_A)
    client.force_login(admin.user, backend="django.contrib.auth.backends.ModelBackend")

    def grow(k: int) -> None:
        for _ in range(k):
            joined(district.school_a, admin, Role.TEACHER, [subject_saved(centre_admin)])

    assert_flat(lambda: client.get("/api/staff/", {"page_size": 200}), grow)


def test_the_municipal_tutors_page_costs_the_same_queries_for_many_tutors(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)
    client = client_for(admin.user, CENTRE)

    def grow(k: int) -> None:
        for _ in range(k):
            subjects = [subject_saved(admin), subject_saved(admin)]
            # Someone already at the centre is appointed at once; a new address is invited.
            methodologist = joined(district.centre, admin, Role.METHODOLOGIST, [])
            for email in (methodologist.user.email, f"{unique('tutor')}@example.org"):
                account_services.tutor_appoint(
                    centre=district.centre,
                    email=email,
                    subjects=subjects,
                    actor=admin.user,
                    actor_membership=admin,
                    last_name="Тьюторова",
                    first_name="Ольга",
                )

    assert_flat(lambda: client.get("/tutors/"), grow)


def test_the_directories_page_costs_the_same_queries_for_many_subjects_and_years(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)
    client = client_for(admin.user, CENTRE)
    made = [0]

    def grow(k: int) -> None:
        for _ in range(k):
            subject_saved(admin)
            made[0] += 1
            start = 1900 + made[0]  # far from any year another test makes
            tenant_services.academic_year_save(
                actor=admin.user,
                actor_membership=admin,
                name=f"{start}/{start + 1}",
                starts_on=date(start, 9, 1),
                ends_on=date(start + 1, 5, 31),
                is_current=False,
            )

    assert_flat(lambda: client.get("/directories/"), grow)


def test_the_schools_page_costs_the_same_queries_for_more_schools(district: District) -> None:
    """One more school is onboarded (a schema each: the slowest rows to make), so the page is
    compared with the district's schools and with one more."""
    admin = member(district.centre, Role.CENTRE_ADMIN)
    client: Client = client_for(admin.user, CENTRE)
    client.get("/schools/")
    few = queries_of(lambda: client.get("/schools/"))
    subdomain = unique("q").replace("-", "")
    tenant_services.school_onboard(
        centre=district.centre,
        name="МБОУ «Школа для подсчёта запросов»",
        short_name="Школа подсчёта",
        subdomain=subdomain,
        admin_email=f"{subdomain}@example.org",
        actor=admin.user,
        actor_membership=admin,
    )
    html = client.get("/schools/").content.decode()
    assert "Школа подсчёта" in html
    assert queries_of(lambda: client.get("/schools/")) == few
