"""Invitation links: single use, expiring, bound to their organisation's host."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Role, User
from accounts.services import InvitationInvalidError
from notifications.models import Kind, Notification
from tests.conftest import District, client_for, member

SCHOOL_A = "school1.localhost"
SCHOOL_B = "school2.localhost"
NEW_PASSWORD = "Novyi-parol-2026"


def invite(organisation, email: str, role: str = Role.TEACHER) -> tuple[Invitation, str]:
    """Invite through the service as the school's admin; return the invitation and its link's path."""
    admin = member(organisation, Role.SCHOOL_ADMIN if organisation.is_school else Role.CENTRE_ADMIN)
    invitation = services.invitation_create(
        organisation=organisation, email=email, role=role, actor=admin.user, actor_membership=admin
    )
    link = Notification.objects.get(kind=Kind.INVITATION, email=email, organisation=organisation).link
    return invitation, link.split(":8000", 1)[1]


def accept_form(**overrides: str) -> dict[str, str]:
    return {
        "last_name": "Новикова",
        "first_name": "Дарья",
        "patronymic": "Олеговна",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }


@pytest.mark.django_db
def test_a_new_person_accepts_the_invitation_and_lands_on_the_dashboard_signed_in(district: District) -> None:
    _invitation, path = invite(district.school_a, "newcomer@example.org")
    client = client_for(None, SCHOOL_A)

    assert client.get(path).status_code == 200
    response = client.post(path, accept_form())

    assert response.status_code == 302 and response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert dashboard.wsgi_request.user.email == "newcomer@example.org"
    user = User.objects.get(email="newcomer@example.org")
    assert (user.last_name, user.first_name, user.patronymic) == ("Новикова", "Дарья", "Олеговна")
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role) == (district.school_a, Role.TEACHER)


@pytest.mark.django_db
def test_the_same_link_used_twice_is_refused_and_makes_one_membership(district: District) -> None:
    _invitation, path = invite(district.school_a, "twice-used@example.org")
    client_for(None, SCHOOL_A).post(path, accept_form())

    second = client_for(None, SCHOOL_A)
    second.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert second.get(path).status_code == 410
    response = second.post(path, accept_form(password1="Drugoi-parol-2026", password2="Drugoi-parol-2026"))

    assert response.status_code == 410
    assert "This invitation has already been used." in response.content.decode()
    assert Membership.objects.filter(user__email="twice-used@example.org").count() == 1
    assert User.objects.get(email="twice-used@example.org").check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_an_expired_link_is_refused(district: District) -> None:
    invitation, path = invite(district.school_a, "late@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    client = client_for(None, SCHOOL_A)
    assert client.get(path).status_code == 410
    assert client.post(path, accept_form()).status_code == 410
    assert not User.objects.filter(email="late@example.org").exists()


@pytest.mark.django_db
def test_a_link_of_school_a_opened_on_school_bs_host_is_refused(district: District) -> None:
    _invitation, path = invite(district.school_a, "wrong-host@example.org")
    client = client_for(None, SCHOOL_B)

    assert client.get(path).status_code == 404
    assert client.post(path, accept_form()).status_code == 404
    assert not User.objects.filter(email="wrong-host@example.org").exists()
    assert not Membership.objects.filter(
        organisation=district.school_b, user__email="wrong-host@example.org"
    ).exists()


@pytest.mark.django_db
def test_a_weak_password_is_a_form_error_and_the_link_stays_usable(district: District) -> None:
    _invitation, path = invite(district.school_a, "weak@example.org")
    client = client_for(None, SCHOOL_A)
    response = client.post(path, accept_form(password1="12345678", password2="12345678"))
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@example.org").exists()
    assert client.post(path, accept_form()).status_code == 302


def test_two_simultaneous_accepts_of_one_link_make_exactly_one_membership(
    committed_db: None, district: District
) -> None:
    email = f"race-{uuid.uuid4().hex[:8]}@example.org"
    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    try:
        _invitation, path = invite_as(admin, email)
        token = path.strip("/").split("/")[-1]
        barrier = threading.Barrier(2)
        outcomes: list[object] = []
        lock = threading.Lock()

        def accept() -> None:
            try:
                barrier.wait(timeout=10)
                membership = services.invitation_accept(
                    token=token, password=NEW_PASSWORD, last_name="Гонкина", first_name="Алла"
                )
                result: object = membership
            except Exception as exc:  # recorded and asserted below
                result = exc
            finally:
                connection.close()
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=accept) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        memberships = [o for o in outcomes if isinstance(o, Membership)]
        refusals = [o for o in outcomes if isinstance(o, InvitationInvalidError)]
        assert len(memberships) == 1, outcomes
        assert len(refusals) == 1, outcomes
        assert Membership.objects.filter(user__email=email).count() == 1
        assert User.objects.filter(email=email).count() == 1
    finally:
        # Committed data: keep this admin from counting as school A's "other admin" in later tests.
        Membership.objects.filter(pk=admin.pk).update(is_active=False)
        User.objects.filter(pk=admin.user_id).update(is_active=False)


def invite_as(admin: Membership, email: str) -> tuple[Invitation, str]:
    invitation = services.invitation_create(
        organisation=admin.organisation,
        email=email,
        role=Role.TEACHER,
        actor=admin.user,
        actor_membership=admin,
    )
    link = Notification.objects.get(kind=Kind.INVITATION, email=email).link
    return invitation, link.split(":8000", 1)[1]


@pytest.mark.django_db
def test_a_person_with_an_account_joins_another_organisation_by_signing_in(district: District) -> None:
    teacher = member(district.school_b, Role.TEACHER)
    _invitation, path = invite(district.school_a, teacher.user.email)

    anonymous = client_for(None, SCHOOL_A)
    assert anonymous.post(path, accept_form()).status_code == 200  # asked to sign in, nothing created
    assert not Membership.objects.filter(user=teacher.user, organisation=district.school_a).exists()

    response = client_for(teacher.user, SCHOOL_A).post(path)
    assert response.status_code == 302
    assert Membership.objects.get(user=teacher.user, organisation=district.school_a).role == Role.TEACHER
    assert Membership.objects.get(user=teacher.user, organisation=district.school_b).is_active
