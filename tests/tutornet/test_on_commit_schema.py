"""Work queued on commit runs in the schema it was queued from, also when the commit comes after
the caller left that schema (the demo's seeding enters several schemas in one transaction: a
certificate's PDF task was sent from the public schema and failed there)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from tests.conftest import District
from tutornet.tenancy import on_commit_in_this_schema

pytestmark = pytest.mark.django_db


def test_queued_work_runs_in_the_schema_it_was_queued_from(
    district: District, django_capture_on_commit_callbacks
) -> None:
    ran_in: list[str] = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with tenant_context(district.school_a):
            on_commit_in_this_schema(lambda: ran_in.append(connection.schema_name))
        with tenant_context(district.centre):
            on_commit_in_this_schema(lambda: ran_in.append(connection.schema_name))
        assert connection.schema_name == "public" and ran_in == []  # nothing before the commit
    assert ran_in == [district.school_a.schema_name, district.centre.schema_name]
    assert connection.schema_name == "public"  # and the schema is set back afterwards
