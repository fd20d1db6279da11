"""Staff API: only the organisation's administrators, only their own organisation's people."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent, Invitation, Membership, Role, User
from notifications.models import Kind, Notification
from tests.conftest import District, member
from tests.factories import SubjectFactory

pytestmark = pytest.mark.django_db


def api_as(user: User, host: str) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_school_admin_lists_the_staff_of_their_own_school_only(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    colleague = member(district.school_a, Role.TEACHER)
    stranger = member(district.school_b, Role.TEACHER)
    response = api_as(admin, "school1.localhost").get("/api/staff/", {"page_size": 200})
    assert response.status_code == 200
    body = response.json()
    ids = {m["id"] for m in body["results"]}
    assert colleague.pk in ids
    assert stranger.pk not in ids
    assert set(Membership.objects.filter(pk__in=ids).values_list("organisation_id", flat=True)) == {
        district.school_a.pk
    }
    row = next(m for m in body["results"] if m["id"] == colleague.pk)
    assert row["person"]["email"] == colleague.user.email and row["role"] == Role.TEACHER


def test_a_teacher_cannot_list_the_staff(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    assert api_as(teacher, "school1.localhost").get("/api/staff/").status_code == 403


def test_a_school_admin_invites_a_teacher(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    subject = SubjectFactory()
    response = api_as(admin, "school1.localhost").post(
        "/api/staff/invitations/",
        {
            "email": "New.Teacher@Example.org",
            "role": "teacher",
            "subjects": [subject.pk],
            "last_name": "Орлова",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    invitation = Invitation.objects.get(pk=response.json()["id"])
    assert (invitation.organisation, invitation.email, invitation.role) == (
        district.school_a,
        "new.teacher@example.org",
        Role.TEACHER,
    )
    assert list(invitation.subjects.all()) == [subject]
    assert response.json()["subjects"] == [{"id": subject.pk, "name": subject.name}]
    # The invitation e-mail is in the outbox, written in the same transaction.
    assert Notification.objects.filter(kind=Kind.INVITATION, email="new.teacher@example.org").exists()


def test_a_teacher_cannot_invite(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    response = api_as(teacher, "school1.localhost").post(
        "/api/staff/invitations/", {"email": "someone@example.org", "role": "teacher"}, format="json"
    )
    assert response.status_code == 403
    assert not Invitation.objects.filter(email="someone@example.org").exists()


def test_inviting_with_an_unknown_role_is_refused_naming_the_role(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    response = api_as(admin, "school1.localhost").post(
        "/api/staff/invitations/", {"email": "bad-role@example.org", "role": "director"}, format="json"
    )
    assert response.status_code == 400
    assert "role" in response.json()
    assert not Invitation.objects.filter(email="bad-role@example.org").exists()


def test_inviting_with_a_role_the_school_cannot_give_is_refused_naming_the_role(district: District) -> None:
    # "methodologist" exists, but only at the centre: the service refuses it with field "role".
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    response = api_as(admin, "school1.localhost").post(
        "/api/staff/invitations/",
        {"email": "methodologist@example.org", "role": "methodologist"},
        format="json",
    )
    assert response.status_code == 400
    assert "role" in response.json()
    assert not Invitation.objects.filter(email="methodologist@example.org").exists()
    assert not Notification.objects.filter(email="methodologist@example.org").exists()


def test_inviting_a_bad_email_is_refused_naming_the_email(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    before = Invitation.objects.count()
    response = api_as(admin, "school1.localhost").post(
        "/api/staff/invitations/", {"email": "not-an-address", "role": "teacher"}, format="json"
    )
    assert response.status_code == 400
    assert "email" in response.json()
    assert Invitation.objects.count() == before


def test_inviting_a_current_member_is_a_conflict_naming_the_email(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER).user
    response = api_as(admin, "school1.localhost").post(
        "/api/staff/invitations/", {"email": teacher.email, "role": "tutor"}, format="json"
    )
    assert response.status_code == 409
    assert "email" in response.json()
    assert not Invitation.objects.filter(email=teacher.email).exists()


def test_a_school_admin_changes_a_members_role_and_subjects(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER)
    subject = SubjectFactory()
    response = api_as(admin, "school1.localhost").patch(
        f"/api/staff/{teacher.pk}/", {"role": "tutor", "subjects": [subject.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    teacher.refresh_from_db()
    assert teacher.role == Role.TUTOR
    assert list(teacher.subjects.all()) == [subject]
    assert response.json()["role"] == "tutor"
    assert AuditEvent.objects.filter(action="membership.change", target=teacher.user.email).exists()


def test_a_school_admin_deactivates_a_member(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER)
    response = api_as(admin, "school1.localhost").patch(
        f"/api/staff/{teacher.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    teacher.refresh_from_db()
    assert teacher.is_active is False and response.json()["is_active"] is False


def test_a_school_admin_cannot_patch_a_membership_of_another_school(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    other = member(district.school_b, Role.TEACHER)
    response = api_as(admin, "school1.localhost").patch(
        f"/api/staff/{other.pk}/", {"role": "school_admin", "is_active": False}, format="json"
    )
    assert response.status_code == 404
    assert other.user.email not in response.content.decode()
    other.refresh_from_db()
    assert (other.role, other.is_active, other.organisation_id) == (Role.TEACHER, True, district.school_b.pk)
    assert not AuditEvent.objects.filter(target=other.user.email).exists()


def test_a_teacher_cannot_change_roles(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER)
    colleague = member(district.school_a, Role.TEACHER)
    response = api_as(teacher.user, "school1.localhost").patch(
        f"/api/staff/{colleague.pk}/", {"role": "school_admin"}, format="json"
    )
    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.role == Role.TEACHER


def test_a_patch_with_a_bad_role_is_refused_naming_the_role(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER)
    response = api_as(admin, "school1.localhost").patch(
        f"/api/staff/{teacher.pk}/", {"role": "centre_admin", "is_active": False}, format="json"
    )
    assert response.status_code == 400
    assert "role" in response.json()
    teacher.refresh_from_db()
    assert (teacher.role, teacher.is_active) == (Role.TEACHER, True)


def test_a_patch_is_all_or_nothing(district: District) -> None:
    # The subjects change is valid, the self-deactivation is not: neither is kept.
    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    subject = SubjectFactory()
    response = api_as(admin.user, "school1.localhost").patch(
        f"/api/staff/{admin.pk}/", {"subjects": [subject.pk], "is_active": False}, format="json"
    )
    assert response.status_code == 409
    admin.refresh_from_db()
    assert admin.is_active is True
    assert list(admin.subjects.all()) == []
    assert not Notification.objects.filter(recipient=admin.user, kind=Kind.MEMBERSHIP_CHANGED).exists()


def test_an_empty_patch_is_refused(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER)
    response = api_as(admin, "school1.localhost").patch(f"/api/staff/{teacher.pk}/", {}, format="json")
    assert response.status_code == 400


def test_an_unknown_subject_is_refused_naming_the_subjects(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER)
    response = api_as(admin, "school1.localhost").patch(
        f"/api/staff/{teacher.pk}/", {"role": "tutor", "subjects": [987654321]}, format="json"
    )
    assert response.status_code == 400
    assert "subjects" in response.json()
    teacher.refresh_from_db()
    assert teacher.role == Role.TEACHER
