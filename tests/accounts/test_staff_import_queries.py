"""The staff CSV import runs a fixed number of queries, however many rows the file has.

A school's file holds up to 2,000 people; a query per row would make one upload
thousands of round trips inside one transaction.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import AuditEvent, Invitation, Role
from notifications.models import Kind, Notification
from tests.conftest import District, member
from tests.factories import SubjectFactory, UserFactory, unique
from tutornet.tenancy import forget_hosts

pytestmark = pytest.mark.django_db


def staff_file(rows: int, subjects: str, known_emails: list[str]) -> tuple[bytes, list[str]]:
    """A file of ``rows`` people, every row with two subjects; some already have an account."""
    emails = [*known_emails, *(f"{unique('staff')}@example.org" for _ in range(rows - len(known_emails)))]
    lines = ["email;фамилия;имя;отчество;роль;предметы"]
    for index, email in enumerate(emails):
        role = "тьютор" if index % 3 == 0 else "учитель"
        lines.append(f"{email};Иванова;Анна;Петровна;{role};{subjects}")
    return ("\n".join(lines) + "\n").encode(), emails


def import_counting(district: District, raw: bytes) -> int:
    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    forget_hosts()  # each import starts with a cold host cache, so both pay for the same look-ups
    with CaptureQueriesContext(connection) as queries:
        services.staff_import_csv(
            organisation=district.school_a, raw=raw, actor=admin.user, actor_membership=admin
        )
    return len(queries)


def test_a_thirty_row_file_costs_the_same_queries_as_a_three_row_file(district: District) -> None:
    maths, physics = SubjectFactory(), SubjectFactory()
    subjects = f"{maths.name}, {physics.name}"
    known_small = [UserFactory().email]
    known_large = [UserFactory().email for _ in range(10)]
    small, small_emails = staff_file(3, subjects, known_small)
    large, large_emails = staff_file(30, subjects, known_large)

    small_queries = import_counting(district, small)
    large_queries = import_counting(district, large)

    assert large_queries == small_queries
    # The import did write everything for every row.
    invitations = Invitation.objects.filter(organisation=district.school_a, email__in=large_emails)
    assert invitations.count() == 30
    assert all(set(i.subjects.all()) == {maths, physics} for i in invitations.prefetch_related("subjects"))
    assert invitations.filter(role=Role.TUTOR).count() == 10
    notifications = Notification.objects.filter(kind=Kind.INVITATION, email__in=large_emails)
    assert notifications.count() == 30
    # People who already have an account get the invitation addressed to that account.
    assert notifications.filter(recipient__isnull=False).count() == 10
    assert AuditEvent.objects.filter(action="invitation.create", target__in=large_emails).count() == 30
    assert AuditEvent.objects.filter(action="staff.import_csv", target="30 rows").count() == 1
    assert Invitation.objects.filter(organisation=district.school_a, email__in=small_emails).count() == 3


def test_an_import_replaces_the_open_invitations_of_the_people_in_the_file(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    raw, emails = staff_file(4, "", [])
    services.staff_import_csv(
        organisation=district.school_a, raw=raw, actor=admin.user, actor_membership=admin
    )
    first = {i.email: i.pk for i in Invitation.objects.filter(email__in=emails)}

    services.staff_import_csv(
        organisation=district.school_a, raw=raw, actor=admin.user, actor_membership=admin
    )

    open_now = Invitation.objects.filter(email__in=emails, accepted_at__isnull=True, revoked_at__isnull=True)
    assert open_now.count() == 4
    assert not set(open_now.values_list("pk", flat=True)) & set(first.values())
    assert Invitation.objects.filter(pk__in=first.values(), revoked_at__isnull=False).count() == 4
