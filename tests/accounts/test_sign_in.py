"""Signing in: password reset through the outbox, throttling, profile, several organisations."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from accounts.models import Role, User
from notifications.models import Kind, Notification, Preference
from notifications.services import email_wanted, emails_refused
from tests.conftest import District, client_for, member
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

SCHOOL_A = "school1.localhost"
CENTRE = "centre.localhost"
RESET_PATH = re.compile(r"https?://school1\.localhost(?::\d+)?(/accounts/reset/[^/\s]+/[^/\s]+/)")


def english(client):  # type: ignore[no-untyped-def]
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_password_reset_writes_an_outbox_notification_whose_link_sets_a_new_password(
    district: District,
) -> None:
    user = member(district.school_a, Role.TEACHER).user
    client = client_for(None, SCHOOL_A)

    response = client.post("/accounts/password-reset/", {"email": user.email})

    assert response.status_code == 302
    notification = Notification.objects.get(kind=Kind.PASSWORD_RESET, recipient=user)
    assert notification.email == user.email
    match = RESET_PATH.search(notification.body)
    assert match, notification.body
    confirm = client.get(match.group(1))
    assert confirm.status_code == 302  # Django moves the token into the session, then shows the form
    form_page = client.get(confirm["Location"])
    assert form_page.status_code == 200
    done = client.post(
        confirm["Location"], {"new_password1": "Sovsem-novyi-2026", "new_password2": "Sovsem-novyi-2026"}
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    user.refresh_from_db()
    assert user.check_password("Sovsem-novyi-2026")
    # The link is single use.
    reused = client_for(None, SCHOOL_A).get(match.group(1), follow=True)
    assert reused.context["validlink"] is False


def test_a_password_reset_for_an_unknown_address_writes_nothing_and_reveals_nothing(
    district: District,
) -> None:
    before = Notification.objects.count()
    response = client_for(None, SCHOOL_A).post(
        "/accounts/password-reset/", {"email": "nobody-here@example.org"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert Notification.objects.count() == before


def test_after_too_many_wrong_passwords_even_the_right_one_is_refused(district: District) -> None:
    user = member(district.school_a, Role.TEACHER).user
    client = english(client_for(None, SCHOOL_A))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = client.post("/accounts/login/", {"username": user.email, "password": "wrong-password"})
        assert wrong.status_code == 200  # the form again, with an error

    client.post("/accounts/login/", {"username": user.email, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_right_password_signs_in_on_the_school_host(district: District) -> None:
    user = member(district.school_a, Role.TEACHER).user
    client = client_for(None, SCHOOL_A)
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_profile_page_saves_names_language_and_email_preferences(district: District) -> None:
    user = member(district.school_a, Role.TEACHER).user
    client = client_for(user, SCHOOL_A)
    assert client.get("/accounts/profile/").status_code == 200

    response = client.post(
        "/accounts/profile/",
        {
            "last_name": "Белова",
            "first_name": "Ксения",
            "patronymic": "Игоревна",
            "language": "en",
            f"email_{Kind.WELCOME}": "on",
            # membership_changed and school_onboarded left unticked: no e-mail for those
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.last_name, user.first_name, user.patronymic, user.language) == (
        "Белова",
        "Ксения",
        "Игоревна",
        "en",
    )
    preferences = dict(Preference.objects.filter(user=user).values_list("kind", "email_enabled"))
    assert preferences[Kind.MEMBERSHIP_CHANGED] is False
    assert preferences[Kind.WELCOME] is True
    assert Kind.INVITATION not in preferences  # essential: cannot be switched off
    role_change = Notification.objects.create(
        recipient=user, email=user.email, kind=Kind.MEMBERSHIP_CHANGED, subject="s", body="b"
    )
    assert email_wanted(role_change, emails_refused([role_change.pk])) is False
    page = client.get("/accounts/profile/").content.decode()
    assert 'lang="en"' in page
    assert "Your profile is saved." in page


def test_a_profile_without_a_surname_is_refused(district: District) -> None:
    user = member(district.school_a, Role.TEACHER).user
    response = client_for(user, SCHOOL_A).post(
        "/accounts/profile/", {"last_name": "", "first_name": "Ксения", "patronymic": "", "language": "ru"}
    )
    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).last_name == user.last_name != ""
    assert response.context["form"].errors["last_name"]


def test_a_teacher_who_is_also_a_municipal_tutor_sees_and_enters_both_portals(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    MembershipFactory(user=teacher, organisation=district.centre, role=Role.TUTOR)
    client = client_for(None, SCHOOL_A)
    assert (
        client.post("/accounts/login/", {"username": teacher.email, "password": PASSWORD}).status_code == 302
    )

    school_dashboard = client.get("/")
    assert school_dashboard.status_code == 200
    html = school_dashboard.content.decode()
    assert district.centre.name in html
    assert f"/accounts/hop/{district.centre.pk}/" in html

    # The same session on the centre's host: the tutor membership lets the person in.
    centre_dashboard = client.get("/", HTTP_HOST=CENTRE)
    assert centre_dashboard.status_code == 200
    assert centre_dashboard.context["membership"].role == Role.TUTOR
    assert district.school_a.name in centre_dashboard.content.decode()


def test_signing_in_on_the_public_site_lists_ones_organisations(district: District) -> None:
    membership = member(district.school_a)
    client = client_for(None, "localhost")
    response = client.post("/accounts/login/", {"username": membership.user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert f"/accounts/hop/{district.school_a.pk}/" in home
    assert f"/accounts/hop/{district.school_b.pk}/" not in home
