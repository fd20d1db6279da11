"""Issue 14: the subjects of the staff invitation, of a member's role and of a tutor's appointment
are searchable tag fields; what they post is validated as before."""

from __future__ import annotations

import pytest

from accounts.models import Invitation, Role
from tests.conftest import District, client_for, member
from tests.factories import SubjectFactory
from tests.portal.tag_fields import assert_tag_fields

pytestmark = pytest.mark.django_db


def test_the_staff_pages_offer_subjects_as_tags_and_still_refuse_an_unknown_one(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    teacher = member(district.school_a, Role.TEACHER)
    subject = SubjectFactory()
    client = client_for(admin, "school1.localhost")
    assert_tag_fields(client.get("/staff/").content.decode(), "subjects")
    assert_tag_fields(client.get(f"/staff/{teacher.pk}/").content.decode(), "subjects")

    invite = {"email": "tags@example.org", "role": Role.TEACHER}
    refused = client.post("/staff/invite/", {**invite, "subjects": [subject.pk, 999999]})
    assert refused.status_code == 200 and not Invitation.objects.filter(email="tags@example.org").exists()
    client.post("/staff/invite/", {**invite, "subjects": [subject.pk]})
    invitation = Invitation.objects.get(email="tags@example.org")
    assert list(invitation.subjects.all()) == [subject]


def test_the_centre_appoints_a_tutor_with_subjects_as_tags(district: District) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    assert_tag_fields(client_for(admin, "centre.localhost").get("/tutors/").content.decode(), "subjects")
