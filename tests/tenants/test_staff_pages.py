"""The school administrator's staff pages: who may open them, inviting, CSV import, roles."""

from __future__ import annotations

import pytest

from accounts.models import Invitation, Membership, Role
from notifications.models import Kind, Notification
from tenants.models import Organisation
from tests.conftest import District, client_for, member
from tests.factories import SubjectFactory

pytestmark = pytest.mark.django_db

SCHOOL_A = "school1.localhost"
SCHOOL_B = "school2.localhost"
CENTRE = "centre.localhost"


def only_admin(organisation, role=Role.SCHOOL_ADMIN) -> Membership:
    """An administrator who is the organisation's only active one (within this test's transaction)."""
    Membership.objects.filter(organisation=organisation, role=role).update(is_active=False)
    return member(organisation, role, language="en")


# --- who may open the pages ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff/", "/organisation/", "/schools/", "/tutors/", "/directories/"])
def test_a_teacher_is_refused_every_administration_page(district: District, path: str) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    response = client_for(teacher, SCHOOL_A).get(path)
    assert response.status_code == 403
    assert "tenants/forbidden.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("path", ["/schools/", "/tutors/", "/directories/"])
def test_a_school_admin_cannot_open_the_centre_only_pages(district: District, path: str) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    assert client_for(admin, SCHOOL_A).get(path).status_code == 403


@pytest.mark.parametrize("path", ["/staff/", "/schools/", "/tutors/", "/directories/"])
def test_a_centre_tutor_is_refused_the_centre_administration_pages(district: District, path: str) -> None:
    tutor = member(district.centre, Role.TUTOR).user
    assert client_for(tutor, CENTRE).get(path).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(district: District) -> None:
    response = client_for(None, SCHOOL_A).get("/staff/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_school_admin_of_a_cannot_open_the_staff_page_of_b(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    response = client_for(admin, SCHOOL_B).get("/staff/")
    assert response.status_code == 403
    assert "Средняя школа № 2" not in response.content.decode()


def test_the_staff_page_lists_members_with_role_subjects_and_activity(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    subject = SubjectFactory()
    teacher = member(district.school_a, Role.TEACHER, email="listed-teacher@example.org")
    teacher.subjects.add(subject)
    outsider = member(district.school_b, Role.TEACHER, email="other-school@example.org")
    response = client_for(admin, SCHOOL_A).get("/staff/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "listed-teacher@example.org" in html
    assert subject.name in html
    assert teacher.user.get_full_name() in html
    assert outsider.user.email not in html
    assert 'class="table-wrap"' in html


# --- another organisation's ids -----------------------------------------------------------


def test_a_school_admin_cannot_change_a_membership_of_another_school(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    victim = member(district.school_b, Role.TEACHER)
    client_a = client_for(admin, SCHOOL_A)

    assert client_a.get(f"/staff/{victim.pk}/").status_code == 404
    assert client_a.post(f"/staff/{victim.pk}/", {"role": Role.SCHOOL_ADMIN}).status_code == 404
    assert client_a.post(f"/staff/{victim.pk}/active/", {"active": "0"}).status_code == 404
    # On school B's own host the admin of A is nobody.
    client_on_b = client_for(admin, SCHOOL_B)
    assert client_on_b.post(f"/staff/{victim.pk}/", {"role": Role.SCHOOL_ADMIN}).status_code == 403
    assert client_on_b.post(f"/staff/{victim.pk}/active/", {"active": "0"}).status_code == 403

    victim.refresh_from_db()
    assert victim.role == Role.TEACHER
    assert victim.is_active is True
    assert not Notification.objects.filter(recipient=victim.user).exists()


def test_a_school_admin_cannot_revoke_an_invitation_of_another_school(district: District) -> None:
    admin_b = member(district.school_b, Role.SCHOOL_ADMIN).user
    client_for(admin_b, SCHOOL_B).post(
        "/staff/invite/", {"email": "b-only@example.org", "role": Role.TEACHER}
    )
    invitation = Invitation.objects.get(organisation=district.school_b, email="b-only@example.org")
    admin_a = member(district.school_a, Role.SCHOOL_ADMIN).user

    response = client_for(admin_a, SCHOOL_A).post(f"/staff/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- inviting one person --------------------------------------------------------------------


def test_inviting_one_person_writes_an_invitation_and_a_notification_with_a_school_link(
    district: District,
) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    subject = SubjectFactory()
    response = client_for(admin, SCHOOL_A).post(
        "/staff/invite/",
        {
            "email": "New.Teacher@Example.org",
            "last_name": "Орлова",
            "first_name": "Вера",
            "patronymic": "Павловна",
            "role": Role.TEACHER,
            "subjects": [subject.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "An invitation was sent to new.teacher@example.org" in response.content.decode()
    invitation = Invitation.objects.get(organisation=district.school_a, email="new.teacher@example.org")
    assert invitation.role == Role.TEACHER
    assert (invitation.last_name, invitation.first_name, invitation.patronymic) == (
        "Орлова",
        "Вера",
        "Павловна",
    )
    assert list(invitation.subjects.all()) == [subject]
    notification = Notification.objects.get(kind=Kind.INVITATION, email="new.teacher@example.org")
    assert notification.link.startswith("http://school1.localhost:8000/invite/")
    assert notification.organisation == district.school_a
    # The pending invitation is listed with a way to withdraw it.
    assert f"/staff/invitations/{invitation.pk}/revoke/" in response.content.decode()


def test_inviting_the_same_person_again_revokes_the_old_link(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    client = client_for(admin, SCHOOL_A)
    client.post("/staff/invite/", {"email": "twice@example.org", "role": Role.TEACHER})
    client.post("/staff/invite/", {"email": "twice@example.org", "role": Role.TUTOR})

    invitations = Invitation.objects.filter(organisation=district.school_a, email="twice@example.org")
    assert invitations.count() == 2
    assert invitations.filter(revoked_at__isnull=True).get().role == Role.TUTOR
    old_link, new_link = (
        Notification.objects.filter(email="twice@example.org").order_by("pk").values_list("link", flat=True)
    )
    assert client_for(None, SCHOOL_A).get(old_link.split(":8000")[1]).status_code == 410
    assert client_for(None, SCHOOL_A).get(new_link.split(":8000")[1]).status_code == 200


def test_inviting_with_a_role_the_school_cannot_give_is_a_form_error(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    response = client_for(admin, SCHOOL_A).post(
        "/staff/invite/", {"email": "x@example.org", "role": Role.METHODOLOGIST}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.filter(email="x@example.org").exists()


def test_inviting_an_existing_member_shows_the_services_refusal_on_the_form(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    teacher = member(district.school_a, Role.TEACHER)
    response = client_for(admin, SCHOOL_A).post(
        "/staff/invite/", {"email": teacher.user.email, "role": Role.TEACHER}
    )
    assert response.status_code == 200
    assert "is already a member of" in response.content.decode()


def test_revoking_an_invitation_makes_its_link_useless(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    client = client_for(admin, SCHOOL_A)
    client.post("/staff/invite/", {"email": "revoked@example.org", "role": Role.TEACHER})
    invitation = Invitation.objects.get(email="revoked@example.org")
    link = Notification.objects.get(email="revoked@example.org").link

    assert client.post(f"/staff/invitations/{invitation.pk}/revoke/").status_code == 302

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert client_for(None, SCHOOL_A).get(link.split(":8000")[1]).status_code == 410


# --- CSV import --------------------------------------------------------------------------------


def upload(client, text: str, encoding: str = "utf-8"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("staff.csv", text.encode(encoding), content_type="text/csv")
    return client.post("/staff/import/", {"file": file}, follow=True)


def test_a_good_csv_file_invites_everyone_in_it(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    maths, physics = SubjectFactory(), SubjectFactory()
    text = (
        "email;фамилия;имя;отчество;роль;предметы\n"
        f"csv-one@example.org;Иванова;Анна;Петровна;учитель;{maths.name}, {physics.name}\n"
        "csv-two@example.org;Петров;Сергей;Иванович;тьютор;\n"
        f"csv-three@example.org;Сидорова;Мария;;администратор;{maths.name}\n"
    )
    response = upload(client_for(admin, SCHOOL_A), text)

    assert "3 invitations sent" in response.content.decode()
    invitations = Invitation.objects.filter(organisation=district.school_a, email__startswith="csv-")
    assert invitations.count() == 3
    one = invitations.get(email="csv-one@example.org")
    assert (one.last_name, one.role) == ("Иванова", Role.TEACHER)
    assert set(one.subjects.all()) == {maths, physics}
    assert invitations.get(email="csv-three@example.org").role == Role.SCHOOL_ADMIN
    assert Notification.objects.filter(kind=Kind.INVITATION, email__startswith="csv-").count() == 3


def test_a_csv_file_with_two_bad_rows_is_refused_whole_with_both_lines_named(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    invitations_before = Invitation.objects.count()
    notifications_before = Notification.objects.count()
    text = (
        "email;фамилия;имя;отчество;роль;предметы\n"
        "good-1@example.org;Иванова;Анна;Петровна;учитель;\n"
        "not-an-address;Петров;Сергей;Иванович;учитель;\n"
        "good-2@example.org;Смирнова;Мария;;учитель;\n"
        "good-3@example.org;Кузнецов;Олег;;директор;\n"
    )
    response = upload(client_for(admin, SCHOOL_A), text)
    html = response.content.decode()

    assert response.status_code == 200
    assert "nothing was imported and no invitation was sent" in html
    assert "line 3" in html and "“not-an-address” is not a valid e-mail address." in html
    assert "line 5" in html and "Unknown role “директор”" in html
    assert "line 2" not in html and "line 4" not in html
    assert Invitation.objects.count() == invitations_before
    assert Notification.objects.count() == notifications_before


def test_a_csv_file_saved_by_excel_in_windows_1251_is_read(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    text = "email;фамилия;имя;отчество;роль;предметы\ncp1251@example.org;Ёлкина;Жанна;Юрьевна;Учитель;\n"
    response = upload(client_for(admin, SCHOOL_A), text, encoding="cp1251")

    assert "1 invitation sent" in response.content.decode()
    invitation = Invitation.objects.get(email="cp1251@example.org")
    assert (invitation.last_name, invitation.first_name, invitation.patronymic) == (
        "Ёлкина",
        "Жанна",
        "Юрьевна",
    )


def test_a_csv_row_with_an_unknown_subject_or_a_role_of_the_centre_is_explained(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    text = (
        "email;фамилия;имя;отчество;роль;предметы\n"
        "astro@example.org;Звездина;Ирина;;учитель;Астрология\n"
        "method@example.org;Методова;Ольга;;методист;\n"
    )
    html = upload(client_for(admin, SCHOOL_A), text).content.decode()

    assert "Unknown subjects: Астрология." in html
    assert "Unknown role “методист”" in html  # a school has no methodologists
    assert not Invitation.objects.filter(email__in=["astro@example.org", "method@example.org"]).exists()


def test_the_staff_page_shows_the_expected_csv_columns_and_the_all_or_nothing_rule(
    district: District,
) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en").user
    html = client_for(admin, SCHOOL_A).get("/staff/").content.decode()
    assert "email;фамилия;имя;отчество;роль;предметы" in html
    assert "the whole file is refused, nothing is imported and no invitation is sent" in html


# --- roles and access --------------------------------------------------------------------------


def test_changing_a_role_notifies_the_member(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER)
    subject = SubjectFactory()

    response = client_for(admin, SCHOOL_A).post(
        f"/staff/{teacher.pk}/", {"role": Role.TUTOR, "subjects": [subject.pk]}
    )

    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.role == Role.TUTOR
    assert list(teacher.subjects.all()) == [subject]
    notification = Notification.objects.get(recipient=teacher.user, kind=Kind.MEMBERSHIP_CHANGED)
    assert notification.link == "http://school1.localhost:8000/"


def test_the_last_admin_cannot_demote_themselves(district: District) -> None:
    admin = only_admin(district.school_a)
    response = client_for(admin.user, SCHOOL_A).post(f"/staff/{admin.pk}/", {"role": Role.TEACHER})

    assert response.status_code == 200
    assert "The organisation must keep at least one active administrator." in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.SCHOOL_ADMIN


def test_an_admin_cannot_close_their_own_access(district: District) -> None:
    admin = only_admin(district.school_a)
    response = client_for(admin.user, SCHOOL_A).post(
        f"/staff/{admin.pk}/active/", {"active": "0"}, follow=True
    )

    assert "You cannot deactivate yourself." in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active is True


def test_an_admin_may_step_down_when_another_admin_remains(district: District) -> None:
    admin = only_admin(district.school_a)
    member(district.school_a, Role.SCHOOL_ADMIN)
    response = client_for(admin.user, SCHOOL_A).post(f"/staff/{admin.pk}/", {"role": Role.TEACHER})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.role == Role.TEACHER


def test_a_deactivated_member_loses_access_and_can_be_restored(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER)
    admin_client = client_for(admin, SCHOOL_A)
    teacher_client = client_for(teacher.user, SCHOOL_A)
    assert teacher_client.get("/").status_code == 200

    admin_client.post(f"/staff/{teacher.pk}/active/", {"active": "0"})
    teacher.refresh_from_db()
    assert teacher.is_active is False
    assert teacher_client.get("/").status_code == 403

    admin_client.post(f"/staff/{teacher.pk}/active/", {"active": "1"})
    teacher.refresh_from_db()
    assert teacher.is_active is True
    assert teacher_client.get("/").status_code == 200
    assert Notification.objects.filter(recipient=teacher.user, kind=Kind.MEMBERSHIP_CHANGED).count() == 2


def test_a_centre_admin_manages_the_centres_own_staff(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    response = client_for(admin, CENTRE).post(
        "/staff/invite/", {"email": "methodist@example.org", "role": Role.METHODOLOGIST}
    )
    assert response.status_code == 302
    assert Invitation.objects.get(email="methodist@example.org").organisation == district.centre


# --- the organisation's profile ------------------------------------------------------------------


def test_a_school_admin_edits_the_schools_profile(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    data = {
        "name": district.school_a.name,
        "short_name": district.school_a.short_name,
        "time_zone": "Asia/Yekaterinburg",
        "address": "ул. Ленина, 1",
        "email": "office@school1.example.org",
        "phone": "+7 900 000-00-00",
    }
    response = client_for(admin, SCHOOL_A).post("/organisation/", data)
    assert response.status_code == 302
    school = Organisation.objects.get(pk=district.school_a.pk)
    assert school.address == "ул. Ленина, 1"
    assert school.time_zone == "Asia/Yekaterinburg"
