"""The codifier pages: the centre admin's only; problems shown per line; query counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accounts.models import Role
from codifier.models import Codifier
from tenants.models import AcademicYear, Subject
from tests.conftest import District, client_for, member
from tutorials.diagnostics.demo import DATA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def admin_client(district: District) -> Any:
    admin = member(district.centre, Role.CENTRE_ADMIN, language="en").user
    client = client_for(admin, district.host(district.centre))
    client.cookies["django_language"] = "en"
    return client


def _form(name: str, data: bytes) -> dict[str, Any]:
    subject = Subject.objects.create(name="Математика (страница)", code="math-page")
    year = AcademicYear.objects.create(name="2050/2051", starts_on="2050-09-01", ends_on="2051-08-31")
    return {
        "subject": subject.pk,
        "exam": "oge",
        "academic_year": year.pk,
        "title": "КЭС ОГЭ по математике",
        "file": SimpleUploadedFile(name, data),
    }


def test_the_centre_admin_imports_the_oge_codifier_and_sees_its_topics(
    admin_client: Any, django_assert_max_num_queries: Any
) -> None:
    response = admin_client.post(
        "/codifiers/import/", _form("kes.csv", (DATA / "oge_math_kes.csv").read_bytes())
    )
    assert response.status_code == 302
    codifier = Codifier.objects.get(academic_year__name="2050/2051")
    with django_assert_max_num_queries(12):
        page = admin_client.get("/codifiers/")
    assert "КЭС ОГЭ по математике" in page.content.decode()
    with django_assert_max_num_queries(12):
        detail = admin_client.get(f"/codifiers/{codifier.pk}/").content.decode()
    assert "Статистика и теория вероятностей" in detail and "7.5.8" in detail


def test_a_bad_file_shows_every_bad_line_on_the_page_and_writes_nothing(admin_client: Any) -> None:
    data = "code;title\n1;Числа\n;нет кода\n1.2;\n".encode()
    response = admin_client.post("/codifiers/import/", _form("kes.csv", data))
    body = response.content.decode()
    assert response.status_code == 400
    assert "line 3" in body and "the code is empty" in body
    assert "line 4" in body and "the title is empty" in body
    assert "Nothing was written" in body
    assert not Codifier.objects.filter(academic_year__name="2050/2051").exists()


@pytest.mark.parametrize("role", [Role.METHODOLOGIST, Role.TUTOR])
def test_other_centre_staff_get_a_403(district: District, role: str) -> None:
    client = client_for(member(district.centre, role).user, district.host(district.centre))
    assert client.get("/codifiers/").status_code == 403
    assert client.post("/codifiers/import/", {}).status_code == 403


def test_a_school_admin_and_a_teacher_get_a_403(district: District) -> None:
    for role in (Role.SCHOOL_ADMIN, Role.TEACHER):
        client = client_for(member(district.school_a, role).user, district.host(district.school_a))
        assert client.get("/codifiers/").status_code == 403
