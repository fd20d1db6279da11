from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from tests.conftest import District, client_for, member

pytestmark = pytest.mark.django_db


def test_each_organisation_is_served_on_its_own_subdomain(district: District) -> None:
    teacher = member(district.school_a).user
    response = client_for(teacher, "school1.localhost").get("/")
    assert response.status_code == 200
    assert "МБОУ «Средняя школа № 1»" in response.content.decode()


def test_an_unknown_host_is_not_found(district: District) -> None:
    response = client_for(None, "nowhere.localhost").get("/")
    assert response.status_code == 404


def test_a_member_of_school_a_sees_nothing_of_school_b(district: District) -> None:
    teacher = member(district.school_a).user
    response = client_for(teacher, "school2.localhost").get("/")
    assert response.status_code == 403
    assert "Средняя школа № 2" not in response.content.decode()


def test_a_cached_organisation_is_resolved_without_a_query(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    client = client_for(admin, "school1.localhost")
    client.get("/healthz")  # warms the host cache
    with CaptureQueriesContext(connection) as queries:
        client.get("/healthz")
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any("tenants_domain" in s for s in sql), sql


def test_made_up_hosts_cannot_grow_the_host_cache_or_push_out_the_real_ones(district: District) -> None:
    from tutornet import tenancy

    tenancy.forget_hosts()
    assert tenancy.organisation_for_host("school1.localhost:8000") == district.school_a
    for n in range(tenancy.UNKNOWN_HOSTS_MAX + 300):
        assert tenancy.organisation_for_host(f"probe-{n}.localhost") is None
    known, unknown = tenancy.cached_hosts()
    assert unknown == tenancy.UNKNOWN_HOSTS_MAX  # bounded: the oldest made-up hosts went
    assert known == 1
    with CaptureQueriesContext(connection) as queries:
        assert tenancy.organisation_for_host("school1.localhost") == district.school_a
        assert tenancy.organisation_for_host(f"probe-{tenancy.UNKNOWN_HOSTS_MAX + 299}.localhost") is None
    assert len(queries) == 0  # the real school and a recent unknown host are still answered from the cache
