"""Choosing a route's tutor: on the route page, only among the organisation's tutors (the tutor
sees and edits the route), by the teacher while it is a draft and by a methodologist until it is
completed."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import services
from tutorials.routes.models import Route, Status
from tutornet.errors import PermissionDeniedError, TutornetError

from .helpers import approved, draft, step


def _post(cast: Cast, who: str, route: Route, tutor: object) -> str:
    route.refresh_from_db()
    client = client_for(cast.user(who), cast.district.host(cast.district.centre))
    answer = client.post(
        f"/routes/{route.pk}/tutor/", {"version": route.version, "tutor": tutor}, follow=True
    )
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_teacher_chooses_their_tutor_on_the_page_from_the_centres_tutors(cast: Cast) -> None:
    route = draft(cast, tutor=False)
    page = client_for(cast.user("teacher"), cast.district.host(cast.district.centre)).get(
        f"/routes/{route.pk}/"
    )
    form = page.content.decode().split('id="choose-tutor"', 1)[1].split("</form>", 1)[0]
    for tutor in ("tutor", "other_tutor"):
        assert f'value="{cast.user(tutor).pk}"' in form
    for not_a_tutor in ("teacher2", "methodologist", "admin_a"):
        assert f'value="{cast.user(not_a_tutor).pk}"' not in form

    _post(cast, "teacher", route, cast.user("tutor").pk)
    route.refresh_from_db()
    assert route.tutor_id == cast.user("tutor").pk
    # The chosen tutor now sees the route; clearing the choice takes that away again.
    assert client_for(cast.user("tutor"), "centre.localhost").get(f"/routes/{route.pk}/").status_code == 200
    _post(cast, "teacher", route, "")
    route.refresh_from_db()
    assert route.tutor_id is None


def test_a_colleague_who_is_no_tutor_cannot_be_made_one_and_nothing_changes(cast: Cast) -> None:
    # Otherwise a teacher could open their route to anyone by naming them the tutor.
    route = draft(cast)
    for wrong in (cast.user("teacher2").pk, cast.user("admin_a").pk, 999_999_999, "x"):
        page = _post(cast, "teacher", route, wrong)
        assert "Выберите одного из тьюторов этой организации." in page  # the page speaks Russian
    route.refresh_from_db()
    assert route.tutor_id == cast.user("tutor").pk
    with pytest.raises(TutornetError):
        services.route_set_tutor(
            actor=cast.user("teacher"), route_id=route.pk, version=route.version, tutor=cast.user("teacher2")
        )


def test_after_the_draft_only_a_methodologist_replaces_the_tutor_and_never_on_a_completed_route(
    cast: Cast,
) -> None:
    route = approved(cast)
    route.refresh_from_db()
    for who in ("teacher", "tutor", "admin_a"):
        with pytest.raises(PermissionDeniedError):
            services.route_set_tutor(
                actor=cast.user(who), route_id=route.pk, version=route.version, tutor=cast.user("other_tutor")
            )
    page = client_for(cast.user("teacher"), "centre.localhost").get(f"/routes/{route.pk}/").content.decode()
    assert 'id="choose-tutor"' not in page
    services.route_set_tutor(
        actor=cast.user("methodologist"),
        route_id=route.pk,
        version=route.version,
        tutor=cast.user("other_tutor"),
    )
    route.refresh_from_db()
    assert route.tutor_id == cast.user("other_tutor").pk

    step(route, cast.user("teacher"), Status.ACTIVE)
    step(route, cast.user("other_tutor"), Status.COMPLETED)
    route.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        services.route_set_tutor(
            actor=cast.user("methodologist"),
            route_id=route.pk,
            version=route.version,
            tutor=cast.user("tutor"),
        )
