"""Onboarding refuses what cannot work, and races on unique things end in a 409, never a 500.

The races run as in tests/consultations/test_booking_race.py: real concurrent
transactions, one thread and one connection each, started together at a barrier,
with committed data (a unique index only decides between transactions)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_context

from accounts import services as account_services
from accounts.models import AuditEvent, Invitation, Membership, Role, User
from notifications.models import Kind, Notification
from tenants.models import AcademicYear, Domain, Organisation, Subject
from tenants.services import academic_year_save, school_onboard, subject_save
from tests.conftest import District, client_for, member
from tutornet.errors import ConflictError, TutornetError

CENTRE = "centre.localhost"


def race(attempts: list[Callable[[], object]], timeout: float = 180) -> Counter[str]:
    """Run the attempts at once in their own transactions; tally ok / conflict / anything else."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            with schema_context("public"):
                connection.ensure_connection()
                barrier.wait(timeout=30)
                attempt()
            outcome = "ok"
        except ConflictError as exc:
            assert exc.status == 409 and exc.message
            outcome = "conflict"
        except Exception as error:  # anything else (an IntegrityError: a 500) fails the test
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "an attempt hung"
    return Counter(outcomes)


def _remove(rows: Any) -> None:
    """Delete committed directory rows without Django's collector, which would look for the
    tenant tables that refer to them (offerings, bookings) in the public schema."""
    rows._raw_delete(connection.alias)


def _remove_school(schema_name: str) -> None:
    """Undo a committed onboarding: its schema and its public rows (Organisation.delete() would
    look for tenant tables from the public schema)."""
    for school in Organisation.objects.filter(schema_name=schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')
        Notification.objects.filter(organisation=school).delete()
        Invitation.objects.filter(organisation=school).delete()
        AuditEvent.objects.filter(organisation=school).delete()
        Domain.objects.filter(tenant=school).delete()
        Organisation.objects.filter(pk=school.pk)._raw_delete(connection.alias)


# --- reserved addresses ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "subdomain", ["www", "api", "admin", "static", "media", "mail", "public", "pg-temp", "centre"]
)
def test_a_reserved_address_is_refused_clearly_and_nothing_is_written(
    district: District, subdomain: str
) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)
    before = (Organisation.objects.count(), Domain.objects.count(), Invitation.objects.count())
    with translation.override("en"), pytest.raises(TutornetError) as refused:
        school_onboard(
            centre=district.centre,
            name="Школа на служебном адресе",
            short_name="Служебная",
            subdomain=subdomain.upper(),
            admin_email=f"head-{subdomain}@example.org",
            actor=admin.user,
            actor_membership=admin,
        )
    assert refused.value.field == "subdomain" and "reserved" in refused.value.message
    assert (Organisation.objects.count(), Domain.objects.count(), Invitation.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize("subdomain", ["www", "pg-catalog"])
def test_the_schools_page_shows_a_reserved_address_as_a_form_error(
    district: District, subdomain: str
) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN, language="en").user
    response = client_for(admin, CENTRE).post(
        "/schools/",
        {
            "name": "Школа",
            "short_name": "Школа",
            "subdomain": subdomain,
            "time_zone": "Europe/Moscow",
            "admin_email": f"head-{subdomain}@example.org",
        },
    )
    assert response.status_code == 200
    assert f"The address “{subdomain}” is reserved by the platform." in response.content.decode()
    assert not Organisation.objects.filter(schema_name=subdomain.replace("-", "_")).exists()


# --- races ---------------------------------------------------------------------------------------


def test_two_onboardings_of_one_address_make_one_school_and_one_409(
    committed_db: None, district: District
) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)
    subdomain = f"race-{uuid.uuid4().hex[:6]}"

    def onboard(n: int) -> Callable[[], object]:
        return lambda: school_onboard(
            centre=district.centre,
            name=f"Школа гонки {n}",
            short_name=f"Гонка {n}",
            subdomain=subdomain,
            admin_email=f"{subdomain}-{n}@example.org",
            actor=admin.user,
            actor_membership=admin,
        )

    try:
        outcomes = race([onboard(1), onboard(2)])
        assert outcomes == Counter({"ok": 1, "conflict": 1})
        assert Organisation.objects.filter(schema_name=subdomain.replace("-", "_")).count() == 1
        assert Domain.objects.filter(domain=f"{subdomain}.localhost").count() == 1
    finally:
        _remove_school(subdomain.replace("-", "_"))
        Membership.objects.filter(pk=admin.pk).update(is_active=False)


def test_two_subjects_differing_only_in_case_make_one_subject_and_one_409(
    committed_db: None, district: District
) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)
    name = f"Астрономия {uuid.uuid4().hex[:6]}"
    variants = [(name, "astro-a"), (name.upper(), "astro-b")]
    code = uuid.uuid4().hex[:6]
    try:
        outcomes = race(
            [
                (
                    lambda n=n, c=c: subject_save(
                        actor=admin.user, actor_membership=admin, name=n, code=f"{c}-{code}"
                    )
                )
                for n, c in variants
            ]
        )
        assert outcomes == Counter({"ok": 1, "conflict": 1})
        assert Subject.objects.filter(name__iexact=name).count() == 1
    finally:
        _remove(Subject.objects.filter(name__iexact=name))
        Membership.objects.filter(pk=admin.pk).update(is_active=False)


def test_the_database_refuses_a_second_subject_differing_only_in_case(committed_db: None) -> None:
    from django.db import IntegrityError, transaction

    name = f"Черчение {uuid.uuid4().hex[:6]}"
    try:
        Subject.objects.create(name=name, code=f"a-{uuid.uuid4().hex[:6]}")
        with pytest.raises(IntegrityError), transaction.atomic():
            Subject.objects.create(name=name.lower(), code=f"b-{uuid.uuid4().hex[:6]}")
    finally:
        _remove(Subject.objects.filter(name__iexact=name))


def test_two_current_academic_years_at_once_make_one_current_year_and_one_409(
    committed_db: None, district: District
) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN)
    was_current = list(AcademicYear.objects.filter(is_current=True).values_list("pk", flat=True))
    suffix = uuid.uuid4().hex[:4]
    names = [f"Г{suffix}/1", f"Г{suffix}/2"]
    try:
        outcomes = race(
            [
                (
                    lambda n=n: academic_year_save(
                        actor=admin.user,
                        actor_membership=admin,
                        name=n,
                        starts_on=date(2040, 9, 1),
                        ends_on=date(2041, 5, 31),
                        is_current=True,
                    )
                )
                for n in names
            ]
        )
        # Overlapping: one wins, the other gets a 409.  On a loaded machine the second may start
        # only after the first committed: then it simply becomes the current year.  Never a 500,
        # and never two current years.
        assert outcomes in (Counter({"ok": 1, "conflict": 1}), Counter({"ok": 2})), outcomes
        assert AcademicYear.objects.filter(is_current=True).count() == 1
        assert AcademicYear.objects.filter(name__in=names).count() == outcomes["ok"]
    finally:
        _remove(AcademicYear.objects.filter(name__in=names))
        AcademicYear.objects.filter(pk__in=was_current).update(is_current=True)
        Membership.objects.filter(pk=admin.pk).update(is_active=False)


def test_two_invitations_for_one_new_address_accepted_at_once_make_one_account_and_one_409(
    committed_db: None, district: District
) -> None:
    email = f"twice-{uuid.uuid4().hex[:8]}@example.org"
    admins = [member(district.school_a, Role.SCHOOL_ADMIN), member(district.school_b, Role.SCHOOL_ADMIN)]
    tokens = []
    try:
        for admin in admins:
            account_services.invitation_create(
                organisation=admin.organisation,
                email=email,
                role=Role.TEACHER,
                actor=admin.user,
                actor_membership=admin,
            )
        for link in Notification.objects.filter(kind=Kind.INVITATION, email=email).values_list(
            "link", flat=True
        ):
            tokens.append(link.rstrip("/").split("/")[-1])
        assert len(tokens) == 2
        outcomes = race(
            [
                (
                    lambda t=t: account_services.invitation_accept(
                        token=t, password="Novyi-parol-2026", last_name="Дважды", first_name="Анна"
                    )
                )
                for t in tokens
            ]
        )
        assert outcomes == Counter({"ok": 1, "conflict": 1})
        assert User.objects.filter(email=email).count() == 1
    finally:
        # Committed: the new person stays (a unique address), without access.
        Membership.objects.filter(user__email=email).update(is_active=False)
        User.objects.filter(email=email).update(is_active=False)
        for admin in admins:
            Membership.objects.filter(pk=admin.pk).update(is_active=False)
            User.objects.filter(pk=admin.user_id).update(is_active=False)
