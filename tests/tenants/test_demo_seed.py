"""The demo district (``seed_demo``): what it promises, and that seeding again changes nothing.

Runs in the rolled-back test transaction on top of the session's test district
(centre, school1, school2), which the seed must reuse rather than trip over.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Membership, Role, User
from tenants.demo import DEMO_PASSWORD, DEMO_PEOPLE, DEMO_SUBJECTS, demo_district_seed
from tenants.models import AcademicYear, Domain, Organisation, Subject
from tests.conftest import District

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "domains": Domain.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "subjects": Subject.objects.count(),
        "years": AcademicYear.objects.count(),
    }


def test_demo_seed_makes_a_centre_and_three_schools_on_their_subdomains(district: District) -> None:
    demo = demo_district_seed()
    assert demo.public.schema_name == "public"
    assert Domain.objects.get(domain="localhost").tenant == demo.public
    assert demo.centre.kind == Organisation.Kind.CENTRE
    assert demo.centre.domains.filter(domain="centre.localhost").exists()
    assert [s.schema_name for s in demo.schools] == ["school1", "school2", "school3"]
    for number, school in enumerate(demo.schools, start=1):
        assert school.kind == Organisation.Kind.SCHOOL
        assert school.centre == demo.centre
        assert school.domains.filter(domain=f"school{number}.localhost").exists()


def test_demo_seed_reuses_the_existing_organisations_by_schema_name(district: District) -> None:
    demo = demo_district_seed()
    assert demo.centre.pk == district.centre.pk
    assert demo.schools[0].pk == district.school_a.pk
    assert demo.schools[1].pk == district.school_b.pk


def test_demo_seed_fills_the_shared_directories(district: District) -> None:
    demo_district_seed()
    names = set(Subject.objects.values_list("name", flat=True))
    assert {"Математика", "Русский язык", "Физика", "История", "Информатика", "Английский язык"} <= names
    assert {name for _, name in DEMO_SUBJECTS} <= names
    current = AcademicYear.objects.get(is_current=True)
    assert current.name == "2026/2027"
    assert (current.starts_on.isoformat(), current.ends_on.isoformat()) == ("2026-09-01", "2027-08-31")


def test_demo_people_hold_the_promised_roles_and_sign_in_with_the_demo_password(district: District) -> None:
    demo = demo_district_seed()
    assert len(demo.people) == len(DEMO_PEOPLE) == 12
    for user in demo.people.values():
        assert user.check_password(DEMO_PASSWORD)
        assert user.last_name and user.first_name and user.patronymic

    def roles(org: Organisation, role: str) -> list[User]:
        return [
            m.user
            for m in Membership.objects.filter(organisation=org, role=role, user__in=demo.people.values())
        ]

    assert len(roles(demo.centre, Role.CENTRE_ADMIN)) == 1
    assert len(roles(demo.centre, Role.METHODOLOGIST)) == 1
    for school in demo.schools:
        assert len(roles(school, Role.SCHOOL_ADMIN)) == 1
        assert len(roles(school, Role.TEACHER)) >= 2

    tutor = demo.people["tutor@example.org"]
    at_centre = Membership.objects.get(user=tutor, organisation=demo.centre)
    assert at_centre.role == Role.TUTOR
    assert set(at_centre.subjects.values_list("name", flat=True)) == {"Математика", "Физика"}
    assert Membership.objects.get(user=tutor, organisation=demo.schools[0]).role == Role.TEACHER


def test_seeding_the_demo_twice_adds_nothing(district: District) -> None:
    first = demo_district_seed()
    assert first.created  # school3 and the people at least were new
    after_first = _counts()
    second = demo_district_seed()
    assert second.created == []
    assert _counts() == after_first
    assert second.centre.pk == first.centre.pk
    assert [s.pk for s in second.schools] == [s.pk for s in first.schools]


def test_seed_demo_command_reports_the_district_and_the_sign_ins(district: District) -> None:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    call_command("seed_demo", "--force", stdout=out)
    text = out.getvalue()
    assert "The demo district is already in place." in text
    assert "school3.localhost" in text
    assert "school1-admin@example.org" in text and DEMO_PASSWORD in text


def test_the_seed_command_gives_the_demo_tutor_bookable_consultations_once(district: District) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from consultations.models import Offering, Slot

    call_command("seed_demo", "--quiet-sign-ins", "--force", stdout=StringIO())
    call_command("seed_demo", "--quiet-sign-ins", "--force", stdout=StringIO())
    with tenant_context(district.centre):
        offerings = Offering.objects.filter(tutor__email="tutor@example.org")
        assert offerings.count() == 2
        assert Slot.objects.filter(offering__in=offerings, is_cancelled=False).count() > 10


def test_seed_demo_refuses_with_debug_off_unless_forced(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo password is public: a production start (DEBUG off) never seeds by accident."""
    monkeypatch.delenv("TUTORNET_SEED_DEMO_FORCE", raising=False)
    with pytest.raises(CommandError, match="DEBUG off.*--force"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.filter(email="centre-admin@example.org").exists()


def test_seed_demo_runs_when_the_variable_forces_it(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTORNET_SEED_DEMO_FORCE", "1")
    call_command("seed_demo", "--quiet-sign-ins", stdout=StringIO())
    assert User.objects.filter(email="centre-admin@example.org").exists()


def test_seed_demo_runs_with_debug_on(
    district: District, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.delenv("TUTORNET_SEED_DEMO_FORCE", raising=False)
    settings.DEBUG = True
    call_command("seed_demo", "--quiet-sign-ins", stdout=StringIO())
    assert User.objects.filter(email="centre-admin@example.org").exists()
