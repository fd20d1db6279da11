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
from tenants.demo import DEMO_PASSWORD, DEMO_PEOPLE, DEMO_SUBJECTS, DemoDistrict, demo_district_seed
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


def _assert_the_organisations(demo: DemoDistrict, district: District) -> None:
    assert demo.public.schema_name == "public"
    assert Domain.objects.get(domain="localhost").tenant == demo.public
    assert demo.centre.kind == Organisation.Kind.CENTRE
    assert demo.centre.domains.filter(domain="centre.localhost").exists()
    assert [s.schema_name for s in demo.schools] == ["school1", "school2", "school3"]
    for number, school in enumerate(demo.schools, start=1):
        assert school.kind == Organisation.Kind.SCHOOL
        assert school.centre == demo.centre
        assert school.domains.filter(domain=f"school{number}.localhost").exists()
    # The session's test district (centre, school1, school2) is reused by schema name, not tripped over.
    assert demo.centre.pk == district.centre.pk
    assert demo.schools[0].pk == district.school_a.pk
    assert demo.schools[1].pk == district.school_b.pk


def _assert_the_directories() -> None:
    names = set(Subject.objects.values_list("name", flat=True))
    assert {"Математика", "Русский язык", "Физика", "История", "Информатика", "Английский язык"} <= names
    assert {name for _, name in DEMO_SUBJECTS} <= names
    current = AcademicYear.objects.get(is_current=True)
    assert current.name == "2026/2027"
    assert (current.starts_on.isoformat(), current.ends_on.isoformat()) == ("2026-09-01", "2027-08-31")


def _assert_the_people(demo: DemoDistrict) -> None:
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


def _assert_the_bank(district: District) -> None:
    """The case bank: the schools' materials, the district's published copies, one awaiting
    moderation, ratings; its search finds them (seeded once: the titles are not doubled)."""
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from casebank import selectors
    from casebank.demo import MATERIALS, QUADRATIC
    from casebank.models import Material, MaterialVersion, Rating, Status

    for school in demo_district_seed().schools:
        with tenant_context(school):
            titles = sorted(Material.objects.values_list("title", flat=True))
            assert titles == sorted(m.title for m in MATERIALS if m.school == school.schema_name)
            assert not Material.objects.exclude(status=Status.PUBLISHED).exists()
    with tenant_context(district.centre):
        published = Material.objects.filter(status=Status.PUBLISHED)
        assert sorted(published.values_list("title", flat=True)) == sorted(
            m.title for m in MATERIALS if m.district == "published"
        )
        pending = MaterialVersion.objects.filter(status=Status.SUBMITTED)
        assert [v.title for v in pending] == [m.title for m in MATERIALS if m.district == "pending"]
        assert Rating.objects.filter(material__title=QUADRATIC).count() == 2
        reader = User.objects.get(email="school2-teacher1@example.org")
        page = selectors.materials_search(user=reader, query="технологическая карта урока")
        assert {hit.material.title for hit in page.hits} == {
            m.title for m in MATERIALS if m.district == "published" and m.kind == "technological_map"
        }
        assert all("<mark>" in hit.title_html for hit in page.hits)


def _seed_command(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_the_demo_seed_builds_the_promised_district_once_and_then_adds_nothing(
    district: District, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """The whole demo (every app's part) is seeded once in this file: it is the slowest set-up of the suite,
    and making a third school's schema is most of it.

    The three ways of being allowed to seed are each shown: the variable, ``--force`` and DEBUG on.
    """
    from django_tenants.utils import tenant_context

    from consultations.models import Offering, Slot

    monkeypatch.setenv("TUTORNET_SEED_DEMO_FORCE", "1")
    first = _seed_command(quiet_sign_ins=True)
    assert "+ " in first and "The demo district is already in place." not in first
    after_first = _counts()

    demo = demo_district_seed()  # the district as it now stands; nothing new to make
    assert demo.created == []
    _assert_the_organisations(demo, district)
    _assert_the_directories()
    _assert_the_people(demo)

    monkeypatch.delenv("TUTORNET_SEED_DEMO_FORCE")
    again = _seed_command(force=True)
    assert "The demo district is already in place." in again
    assert "school3.localhost" in again
    assert "school1-admin@example.org" in again and DEMO_PASSWORD in again

    settings.DEBUG = True
    with_debug = _seed_command(quiet_sign_ins=True)
    assert "The demo district is already in place." in with_debug
    assert "school1-admin@example.org" not in with_debug

    assert _counts() == after_first
    _assert_the_bank(district)
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
