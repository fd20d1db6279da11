"""The routes API's actions: next year's draft, proposals for a campaign, booking from a plan
item.  Who may (the services decide), another school's route and another organisation's site
are a 404, and bad input is a 400 naming the field with nothing written."""

from __future__ import annotations

import json
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from consultations.models import Booking
from tenants.models import AcademicYear
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes.models import Evidence, PlanItem, Route, Status, TargetKind

from .helpers import approved, draft
from .results import district_results
from .test_book_from_item import _offering, _pointing
from .test_carry_over import _completed, _next_year

CENTRE = "centre.localhost"


def api(cast: Cast, who: str, host: str = CENTRE) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(cast.user(who))
    return client


def test_next_years_draft_through_the_api(cast: Cast) -> None:
    year = _next_year()
    old = _completed(cast)
    path = f"/api/routes/{old.pk}/carry-over/"
    assert api(cast, "teacher_b").post(path).status_code == 404  # another school's teacher
    refused = api(cast, "admin_a").post(path)  # sees the route, but does not plan it
    assert refused.status_code == 403 and refused.json()["detail"]
    # Another organisation's site does not have this route.
    school = cast.district.host(cast.district.school_a)
    assert api(cast, "teacher", school).post(path).status_code == 404
    assert not Route.objects.filter(academic_year=year).exists()
    made = api(cast, "teacher").post(path)
    assert made.status_code == 201
    body = made.json()
    assert (body["academic_year"], body["carried"]) == (year.name, 2)
    assert Route.objects.get(pk=body["route_id"]).status == Status.DRAFT
    again = api(cast, "tutor").post(path).json()
    assert (again["route_id"], again["carried"]) == (body["route_id"], 0)


def test_carry_over_refusals_say_why_and_write_nothing(cast: Cast) -> None:
    active = approved(cast, "teacher_b")
    response = api(cast, "teacher_b").post(f"/api/routes/{active.pk}/carry-over/")
    assert response.status_code == 400
    # In the caller's language (Russian here).
    assert response.json()["detail"] == "На следующий год переносится только завершённый маршрут."
    last, _ = AcademicYear.objects.get_or_create(
        name="2098/2099", defaults={"starts_on": date(2098, 9, 1), "ends_on": date(2099, 8, 31)}
    )
    latest = _completed(cast, "teacher2", year=last)
    response = api(cast, "teacher2").post(f"/api/routes/{latest.pk}/carry-over/")
    assert response.status_code == 400 and "academic_year" in response.json()
    assert Route.objects.filter(teacher=cast.user("teacher2")).count() == 1
    assert api(cast, "teacher").post("/api/routes/999999/carry-over/").status_code == 404


def test_proposals_for_a_campaign_through_the_api(cast: Cast) -> None:
    campaign = district_results(cast)
    path = f"/api/routes/campaigns/{campaign.pk}/proposals/"
    listed = api(cast, "methodologist").get(path).json()
    assert listed["final"] is True
    rows = {r["teacher_id"]: r for r in listed["teachers"]}
    assert set(rows) == {cast.user(w).pk for w in ("teacher", "teacher2", "teacher_b")}
    assert [d["topic_code"] for d in rows[cast.user("teacher2").pk]["deficits"]] == ["3.1", "2.1"]
    assert rows[cast.user("teacher").pk]["route_id"] is None
    # Only the centre's methodologists; a campaign that is not there is a 404.
    for who in ("teacher", "tutor", "admin_a"):
        assert api(cast, who).get(path).status_code == 403, who
        assert api(cast, who).post(path, {"teacher_ids": [1]}, format="json").status_code == 403
    assert api(cast, "methodologist").get("/api/routes/campaigns/999999/proposals/").status_code == 404
    # Bad input names the field and writes nothing.
    bad_inputs: list[dict[str, object]] = [
        {},
        {"teacher_ids": []},
        {"teacher_ids": "все"},
        {"teacher_ids": ["x"]},
    ]
    for bad in bad_inputs:
        response = api(cast, "methodologist").post(path, bad, format="json")
        assert response.status_code == 400 and "teacher_ids" in response.json(), bad
    assert not Route.objects.filter(campaign_id=campaign.pk).exists()
    chosen = [cast.user("teacher").pk, cast.user("physics_teacher").pk]
    outcomes = api(cast, "methodologist").post(path, {"teacher_ids": chosen}, format="json").json()
    by_teacher = {o["teacher_id"]: o for o in outcomes}
    proposed = by_teacher[cast.user("teacher").pk]
    assert proposed["added"] == 4 and not proposed["refused"]
    route = Route.objects.get(pk=proposed["route_id"])
    assert route.items.filter(proposal=PlanItem.Proposal.PROPOSED).count() == 4
    assert by_teacher[cast.user("physics_teacher").pk]["refused"].startswith(
        "Диагностика не выявила у педагога дефицитов"
    )
    again = api(cast, "methodologist").post(path, {"teacher_ids": chosen[:1]}, format="json").json()
    assert again[0]["added"] == 0 and again[0]["route_id"] == route.pk


def test_the_proposals_list_queries_do_not_grow_with_routes(cast: Cast) -> None:
    campaign = district_results(cast)
    path = f"/api/routes/campaigns/{campaign.pk}/proposals/"
    client = api(cast, "methodologist")
    client.get(path)  # the host and the person's memberships, looked up once
    with CaptureQueriesContext(connection) as without_routes:
        client.get(path)
    teachers = [cast.user(w).pk for w in ("teacher", "teacher2", "teacher_b")]
    client.post(path, {"teacher_ids": teachers}, format="json")
    with CaptureQueriesContext(connection) as with_routes:
        rows = client.get(path).json()["teachers"]
    assert all(r["route_id"] for r in rows) and len(rows) == 3
    assert len(with_routes) == len(without_routes)


def test_booking_from_a_plan_item_through_the_api(cast: Cast) -> None:
    offering, slots = _offering(cast)
    other_offering, other_slots = _offering(cast, "other_tutor")
    item = _pointing(cast, TargetKind.OFFERING, offering.pk)
    path = f"/api/routes/{item.route_id}/items/{item.pk}/book/"
    times = api(cast, "teacher").get(path).json()
    assert [t["slot_id"] for t in times] == [s.pk for s in slots[:3]]
    # Another school's teacher and another organisation's site: no such task.
    assert api(cast, "teacher_b").get(path).status_code == 404
    assert api(cast, "teacher_b").post(path, {"slot_id": slots[0].pk}, format="json").status_code == 404
    school = cast.district.host(cast.district.school_a)
    assert api(cast, "teacher", school).post(path, {"slot_id": slots[0].pk}, format="json").status_code == 404
    # The task under another route's address is not found either.
    elsewhere = draft(cast, "teacher2")
    wrong = f"/api/routes/{elsewhere.pk}/items/{item.pk}/book/"
    assert api(cast, "teacher").post(wrong, {"slot_id": slots[0].pk}, format="json").status_code == 404
    # The tutor sees the route but books for nobody.
    assert api(cast, "tutor").post(path, {"slot_id": slots[0].pk}, format="json").status_code == 403
    # Bad input: not a number; a time of another consultation.  Nothing is written.
    response = api(cast, "teacher").post(path, {"slot_id": "завтра"}, format="json")
    assert response.status_code == 400 and "slot_id" in response.json()
    response = api(cast, "teacher").post(path, {"slot_id": other_slots[0].pk}, format="json")
    assert response.status_code == 400 and response.json()["slot"] == [
        "Выберите время консультации, указанной в этой задаче."
    ]
    assert not Booking.objects.filter(slot__offering__in=[offering, other_offering]).exists()
    assert not Evidence.objects.exists()
    item.refresh_from_db()
    assert item.status == PlanItem.ItemStatus.PLANNED
    booked = api(cast, "teacher").post(path, {"slot_id": slots[0].pk}, format="json")
    assert booked.status_code == 201
    booking = Booking.objects.get(teacher=cast.user("teacher"))
    assert booked.json()["kind"] == "consultation" and booked.json()["item_id"] == item.pk
    assert Evidence.objects.get().source_key == f"booking:{booking.pk}"
    # The same time again is the consultations' own refusal (a 4xx), and adds no evidence.
    again = api(cast, "teacher").post(path, {"slot_id": slots[0].pk}, format="json")
    assert 400 <= again.status_code < 500 and again.json()["detail"]
    assert Evidence.objects.count() == 1


def test_the_schema_declares_the_actions_and_their_errors(cast: Cast) -> None:
    schema = json.loads(APIClient(HTTP_HOST=CENTRE).get("/api/schema/", {"format": "json"}).content)
    paths = schema["paths"]
    expected = {
        ("/api/routes/{route_id}/carry-over/", "post"): {"201", "400", "403", "404", "409"},
        ("/api/routes/campaigns/{campaign_id}/proposals/", "get"): {"200", "403", "404"},
        ("/api/routes/campaigns/{campaign_id}/proposals/", "post"): {"200", "400", "403", "404"},
        ("/api/routes/{route_id}/items/{item_id}/book/", "get"): {"200", "404"},
        ("/api/routes/{route_id}/items/{item_id}/book/", "post"): {"201", "400", "403", "404", "409"},
    }
    for (path, method), codes in expected.items():
        # 401 and 403 as every operation with a caller has them (tutornet.api_schema).
        assert set(paths[path][method]["responses"]) == codes | {"401", "403"}, (path, method)
    body = paths["/api/routes/campaigns/{campaign_id}/proposals/"]["post"]["requestBody"]
    assert "application/json" in body["content"]
