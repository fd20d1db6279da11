"""The centre administrator's pages: municipal tutors and the shared directories."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Invitation, Membership, Role
from notifications.models import Kind, Notification
from tenants.models import AcademicYear, Subject
from tests.conftest import District, client_for, member
from tests.factories import SubjectFactory

pytestmark = pytest.mark.django_db

CENTRE = "centre.localhost"


def test_appointing_a_school_teacher_as_tutor_invites_them_to_the_centre(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER)
    maths = SubjectFactory()

    response = client_for(admin, CENTRE).post(
        "/tutors/", {"email": teacher.user.email, "subjects": [maths.pk]}
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=district.centre, email=teacher.user.email)
    assert invitation.role == Role.TUTOR
    assert list(invitation.subjects.all()) == [maths]
    assert Notification.objects.get(kind=Kind.INVITATION, email=teacher.user.email).link.startswith(
        "http://centre.localhost:8000/invite/"
    )
    # The school membership is untouched.
    teacher.refresh_from_db()
    assert (teacher.role, teacher.is_active) == (Role.TEACHER, True)


def test_appointing_a_centre_member_makes_them_a_tutor_at_once_and_lists_them(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    methodologist = member(district.centre, Role.METHODOLOGIST)
    russian = SubjectFactory()
    client = client_for(admin, CENTRE)

    client.post("/tutors/", {"email": methodologist.user.email, "subjects": [russian.pk]})

    methodologist.refresh_from_db()
    assert methodologist.role == Role.TUTOR
    assert list(methodologist.subjects.all()) == [russian]
    html = client.get("/tutors/").content.decode()
    assert methodologist.user.email in html and russian.name in html


def test_a_tutor_needs_at_least_one_subject(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN, language="en").user
    response = client_for(admin, CENTRE).post("/tutors/", {"email": "nosubject@example.org"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Invitation.objects.filter(email="nosubject@example.org").exists()


def test_a_centre_admin_adds_edits_and_withdraws_a_subject(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    client = client_for(admin, CENTRE)

    assert (
        client.post(
            "/directories/subjects/add/", {"name": "Астрономия", "code": "astronomy", "is_active": "on"}
        ).status_code
        == 302
    )
    subject = Subject.objects.get(code="astronomy")
    assert subject.is_active

    client.post(
        f"/directories/subjects/{subject.pk}/",
        {"name": "Астрономия и космос", "code": "astronomy", "is_active": "on"},
    )
    subject.refresh_from_db()
    assert subject.name == "Астрономия и космос"

    client.post(f"/directories/subjects/{subject.pk}/active/", {"active": "0"})
    subject.refresh_from_db()
    assert subject.is_active is False
    # A withdrawn subject is no longer offered on the invitation form.
    school_admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    assert (
        "Астрономия и космос"
        not in client_for(school_admin, "school1.localhost").get("/staff/").content.decode()
    )


def test_a_duplicate_subject_code_is_a_form_error(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN, language="en").user
    existing = SubjectFactory()
    response = client_for(admin, CENTRE).post(
        "/directories/subjects/add/", {"name": "Другое имя", "code": existing.code}
    )
    assert response.status_code == 200
    assert "A subject with this name or code already exists." in response.content.decode()
    assert Subject.objects.filter(code=existing.code).count() == 1


def test_academic_years_are_added_and_exactly_one_is_current(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    client = client_for(admin, CENTRE)
    client.post(
        "/directories/years/add/",
        {"name": "2090/2091", "starts_on": "2090-09-01", "ends_on": "2091-08-31", "is_current": "on"},
    )
    client.post(
        "/directories/years/add/", {"name": "2091/2092", "starts_on": "2091-09-01", "ends_on": "2092-08-31"}
    )
    later = AcademicYear.objects.get(name="2091/2092")
    assert AcademicYear.objects.get(is_current=True).name == "2090/2091"

    assert client.post(f"/directories/years/{later.pk}/current/").status_code == 302

    assert list(AcademicYear.objects.filter(is_current=True)) == [later]
    assert later.starts_on == datetime.date(2091, 9, 1)


def test_an_academic_year_that_ends_before_it_starts_is_a_form_error(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN, language="en").user
    response = client_for(admin, CENTRE).post(
        "/directories/years/add/", {"name": "2095/2094", "starts_on": "2095-09-01", "ends_on": "2094-08-31"}
    )
    assert response.status_code == 200
    assert "The year must end after it starts." in response.content.decode()
    assert not AcademicYear.objects.filter(name="2095/2094").exists()


def test_a_teacher_cannot_change_the_directories_by_posting(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    response = client_for(teacher, "school1.localhost").post(
        "/directories/subjects/add/", {"name": "Хак", "code": "hack"}
    )
    assert response.status_code == 403
    assert not Subject.objects.filter(code="hack").exists()
    assert not Membership.objects.filter(user=teacher, role=Role.CENTRE_ADMIN).exists()
