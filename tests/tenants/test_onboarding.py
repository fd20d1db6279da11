"""Onboarding a school: schema, domain and first-admin invitation, all or nothing."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Invitation, Role
from notifications.models import Kind, Notification
from tenants.models import Domain, Organisation
from tenants.services import school_onboard
from tests.conftest import District, client_for, member
from tutornet.errors import ConflictError, PermissionDeniedError, TutornetError

pytestmark = pytest.mark.django_db

CENTRE = "centre.localhost"


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def tenant_tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def test_onboarding_creates_the_schema_the_domain_and_the_first_admins_invitation(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)

    result = school_onboard(
        centre=district.centre,
        name="МБОУ «Средняя школа № 31»",
        short_name="Школа № 31",
        subdomain="school31",
        admin_email="Director31@Example.org",
        actor=admin.user,
        actor_membership=admin,
    )

    assert schema_exists("school31")
    # The tenant migrations ran in it.
    assert "django_migrations" in tenant_tables("school31")
    assert Domain.objects.get(domain="school31.localhost").tenant == result.school
    assert result.school.centre == district.centre
    assert result.school.time_zone == district.centre.time_zone
    invitation = Invitation.objects.get(organisation=result.school)
    assert (invitation.email, invitation.role) == ("director31@example.org", Role.SCHOOL_ADMIN)
    notification = Notification.objects.get(kind=Kind.INVITATION, email="director31@example.org")
    assert notification.link.startswith("http://school31.localhost:8000/invite/")
    # How long it takes is measured in bench/ (school_onboarding), not asserted here.
    assert result.seconds > 0


def test_a_taken_subdomain_is_refused_and_nothing_is_written(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)
    organisations, domains, invitations = (
        Organisation.objects.count(),
        Domain.objects.count(),
        Invitation.objects.count(),
    )

    with pytest.raises(ConflictError):
        school_onboard(
            centre=district.centre,
            name="Двойник",
            short_name="Двойник",
            subdomain="school1",
            admin_email="twin@example.org",
            actor=admin.user,
            actor_membership=admin,
        )

    assert (Organisation.objects.count(), Domain.objects.count(), Invitation.objects.count()) == (
        organisations,
        domains,
        invitations,
    )


def test_a_failure_after_the_schema_was_made_leaves_no_schema_behind(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)
    with pytest.raises(TutornetError):
        school_onboard(
            centre=district.centre,
            name="Школа без директора",
            short_name="Школа 32",
            subdomain="school32",
            admin_email="not-an-address",
            actor=admin.user,
            actor_membership=admin,
        )
    assert not schema_exists("school32")
    assert not Domain.objects.filter(domain="school32.localhost").exists()
    assert not Organisation.objects.filter(schema_name="school32").exists()


def test_only_a_centre_admin_may_onboard_a_school(district: District) -> None:
    school_admin = member(district.school_a, Role.SCHOOL_ADMIN)
    with pytest.raises(PermissionDeniedError):
        school_onboard(
            centre=district.centre,
            name="Самозванец",
            short_name="Самозванец",
            subdomain="school33",
            admin_email="x@example.org",
            actor=school_admin.user,
            actor_membership=school_admin,
        )
    assert not schema_exists("school33")


def test_the_schools_page_onboards_a_school_and_reports_the_seconds(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN, language="en").user
    client = client_for(admin, CENTRE)
    response = client.post(
        "/schools/",
        {
            "name": "МБОУ «Лицей № 34»",
            "short_name": "Лицей № 34",
            "subdomain": "lyceum34",
            "time_zone": "Europe/Samara",
            "admin_email": "head34@example.org",
        },
        follow=True,
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "Лицей № 34 is ready at http://lyceum34.localhost:8000/ (set up in " in html
    assert "sent to head34@example.org" in html
    school = Organisation.objects.get(schema_name="lyceum34")
    assert school.time_zone == "Europe/Samara"
    assert schema_exists("lyceum34")
    # After the redirect, the list shows the new school with a link to its site.
    assert 'href="http://lyceum34.localhost:8000/"' in html


def test_the_schools_page_shows_a_taken_address_as_a_form_error(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN, language="en").user
    response = client_for(admin, CENTRE).post(
        "/schools/",
        {
            "name": "Ещё одна школа",
            "short_name": "Ещё одна",
            "subdomain": "school2",
            "time_zone": "Europe/Moscow",
            "admin_email": "again@example.org",
        },
    )
    assert response.status_code == 200
    assert "The address school2.localhost is already taken." in response.content.decode()
    assert not Invitation.objects.filter(email="again@example.org").exists()


def test_the_schools_page_lists_the_centres_schools(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    html = client_for(admin, CENTRE).get("/schools/").content.decode()
    assert district.school_a.name in html and district.school_b.name in html
    assert 'href="http://school1.localhost:8000/"' in html
    assert 'class="table-wrap"' in html


def test_the_onboard_school_command_prints_the_host_the_invitation_and_the_seconds(
    district: District,
) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)
    out = io.StringIO()

    call_command(
        "onboard_school",
        "--centre",
        "centre",
        "--name",
        "МБОУ «Гимназия № 35»",
        "--short-name",
        "Гимназия № 35",
        "--subdomain",
        "gymnasium35",
        "--admin-email",
        "head35@example.org",
        "--actor-email",
        admin.user.email,
        stdout=out,
    )

    output = out.getvalue()
    assert "Host: gymnasium35.localhost" in output
    assert "Invitation: queued for head35@example.org" in output
    seconds = float(re.search(r"Seconds: ([0-9.]+)", output).group(1))
    print(output)  # the measured figure, visible with -s
    assert seconds > 0, output  # the figure itself is measured in bench/
    assert schema_exists("gymnasium35")
    assert Invitation.objects.get(organisation__schema_name="gymnasium35").invited_by == admin.user


def test_the_onboard_school_command_refuses_a_taken_subdomain_clearly(district: District) -> None:
    member(district.centre, Role.CENTRE_ADMIN)
    with pytest.raises(CommandError, match="уже занят"):
        call_command(
            "onboard_school",
            "--centre=centre",
            "--name=Копия",
            "--short-name=Копия",
            "--subdomain=school1",
            "--admin-email=copy@example.org",
            stdout=io.StringIO(),
        )


def test_the_onboard_school_command_needs_a_centre_admin_to_act_as(district: District) -> None:
    with pytest.raises(CommandError, match="no active centre administrator"):
        call_command(
            "onboard_school",
            "--centre=centre",
            "--name=Школа",
            "--short-name=Школа",
            "--subdomain=school36",
            "--admin-email=head36@example.org",
            "--actor-email=nobody@example.org",
            stdout=io.StringIO(),
        )
