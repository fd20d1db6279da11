"""Issue 14: a request's participants and a session's tutors are searchable tag fields."""

from __future__ import annotations

from tests.conftest import client_for
from tests.help_hour.helpers import Cast, accepted_request
from tests.portal.tag_fields import assert_tag_fields

BASE = "/consultations/help-hour"


def test_participants_and_tutors_are_tag_fields(cast: Cast) -> None:
    form = client_for(cast.user("requester"), "school1.localhost").get(f"{BASE}/new/").content.decode()
    assert_tag_fields(form, "participants")
    assert cast.user("colleague").get_full_name() in form  # the school's staff to choose from
    request = accepted_request(cast)
    methodologist = client_for(cast.user("methodologist"), "centre.localhost")
    page = methodologist.get(f"{BASE}/centre/schedule/?requests={request.pk}").content.decode()
    assert_tag_fields(page, "tutors")
    assert cast.user("tutor").get_full_name() in page
