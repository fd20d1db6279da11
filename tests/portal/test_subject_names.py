"""Subjects have English names for the English interface; Russian stays the default."""

from __future__ import annotations

import pytest
from django.utils import translation

from tenants.models import Subject
from tests.conftest import District, client_for, member
from tests.factories import SubjectFactory

pytestmark = pytest.mark.django_db


def test_a_subject_is_named_in_the_interfaces_language(district: District) -> None:
    subject = SubjectFactory(name="Астрономия-тест", name_en="Astronomy-test")
    with translation.override("en"):
        assert str(subject) == "Astronomy-test"
    with translation.override("ru"):
        assert str(subject) == "Астрономия-тест"
    without = SubjectFactory(name="Краеведение-тест")
    with translation.override("en"):
        assert str(without) == "Краеведение-тест"  # no English name: the Russian one


def test_a_list_that_loads_only_the_name_does_not_query_per_subject(
    district: District, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    SubjectFactory(name="Астрономия-2", name_en="Astronomy-2")
    with translation.override("en"), django_assert_num_queries(1):
        names = [str(s) for s in Subject.objects.only("id", "name")]
    assert "Astronomy-2" not in names and "Астрономия-2" in names


def test_the_english_profile_page_shows_the_english_subject_name(district: District) -> None:
    membership = member(district.school_a)
    membership.subjects.add(SubjectFactory(name="Геология-тест", name_en="Geology-test"))
    client = client_for(membership.user, "school1.localhost")
    membership.user.language = "en"
    membership.user.save(update_fields=["language"])
    page = client.get("/my/organisations/").content.decode()
    assert "Geology-test" in page and "Геология-тест" not in page


def test_the_centre_admin_gives_a_subject_its_english_name(district: District) -> None:
    from accounts.models import Role

    admin = member(district.centre, Role.CENTRE_ADMIN)
    subject = SubjectFactory(name="Черчение-тест")
    response = client_for(admin.user, "centre.localhost").post(
        f"/directories/subjects/{subject.pk}/",
        {"name": "Черчение-тест", "name_en": "Technical drawing", "code": subject.code, "is_active": "on"},
    )
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.name_en == "Technical drawing"
