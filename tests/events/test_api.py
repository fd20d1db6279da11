"""The events API: the same rules as the pages, 4xx bodies naming the field, the schema,
and list endpoints whose query count does not grow with the data."""

from __future__ import annotations

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tutorials.events.models import Rating

from .helpers import Cast, register, week

CENTRE = "centre.localhost"


def api_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient(HTTP_HOST=CENTRE)
    client.force_authenticate(user)
    return client


def test_a_teacher_registers_rates_and_reads_the_schedule_through_the_api(cast: Cast) -> None:
    event, _, tracks = week(cast.organiser)
    x, y = tracks[0]
    teacher = api_for(cast.teachers[0].user)
    assert event.pk in [e["id"] for e in teacher.get("/api/events/").json()]
    detail = teacher.get(f"/api/events/{event.pk}/").json()
    assert [t["title"] for t in detail["days"][0]["blocks"][0]["tracks"]] == [
        "Мастерская 1.1",
        "Мастерская 1.2",
    ]
    assert teacher.post(f"/api/events/{event.pk}/register/").status_code == 201
    bad = teacher.put(f"/api/events/{event.pk}/ratings/", {"ratings": {str(x.pk): 7}}, format="json")
    assert bad.status_code == 400 and "ratings" in bad.json()
    missing = teacher.put(f"/api/events/{event.pk}/ratings/", {"ratings": {str(x.pk): 3}}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "invalid"
    assert not Rating.objects.filter(participant__event=event).exists()
    ok = teacher.put(
        f"/api/events/{event.pk}/ratings/", {"ratings": {str(x.pk): 4, str(y.pk): 0}}, format="json"
    )
    assert ok.status_code == 200
    assert teacher.post(f"/api/events/{event.pk}/allocate/").status_code == 403
    runs = api_for(cast.organiser.user).post(f"/api/events/{event.pk}/allocate/").json()
    assert runs[0]["satisfaction"] == 4 and runs[0]["unassigned"] == []
    schedule = teacher.get(f"/api/events/{event.pk}/schedule/").json()
    assert [(row["track"], row["attended"]) for row in schedule] == [(x.pk, False)]


def test_a_full_event_is_a_409_naming_the_event(cast: Cast) -> None:
    event, _, _ = week(cast.organiser, capacity=1)
    register(cast.teachers[0], event)
    response = api_for(cast.teachers[1].user).post(f"/api/events/{event.pk}/register/")
    assert response.status_code == 409
    assert response.json()["code"] == "event_full" and "event" in response.json()


def test_participant_lists_are_for_organisers_and_events_of_other_audiences_are_404(cast: Cast) -> None:
    event, _, _ = week(cast.organiser, audience="schools", audience_school_ids=[cast.district.school_a.pk])
    register(cast.teachers[0], event)
    assert api_for(cast.teachers[0].user).get(f"/api/events/{event.pk}/participants/").status_code == 403
    assert api_for(cast.other_school_teacher.user).get(f"/api/events/{event.pk}/").status_code == 404
    listed = api_for(cast.organiser.user).get(f"/api/events/{event.pk}/participants/").json()
    assert [row["user"] for row in listed["results"]] == [cast.teachers[0].user.pk]


def test_points_show_the_own_row_unless_the_board_is_open(cast: Cast) -> None:
    event, _, _ = week(cast.organiser)
    for teacher in cast.teachers[:2]:
        register(teacher, event)
    own = api_for(cast.teachers[0].user).get(f"/api/events/{event.pk}/points/").json()
    assert [row["name"] for row in own] == [cast.teachers[0].user.get_full_name()]
    event.board_visibility = "participants"
    event.save()
    board = api_for(cast.teachers[0].user).get(f"/api/events/{event.pk}/points/").json()
    assert len(board) == 2


def _count(client: APIClient, path: str) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_list_endpoints_keep_to_a_fixed_number_of_queries(cast: Cast) -> None:
    event, _, _ = week(cast.organiser)
    register(cast.teachers[0], event)
    organiser = api_for(cast.organiser.user)
    paths = ["/api/events/", f"/api/events/{event.pk}/participants/", f"/api/events/{event.pk}/points/"]
    before = [_count(organiser, p) for p in paths]
    for _ in range(3):
        week(cast.organiser)
    for teacher in cast.teachers[1:]:
        register(teacher, event)
    after = [_count(organiser, p) for p in paths]
    assert after == before and max(after) <= 12


def test_the_schema_lists_the_events_endpoints(cast: Cast) -> None:
    schema = json.loads(APIClient(HTTP_HOST=CENTRE).get("/api/schema/", {"format": "json"}).content)
    for path in (
        "/api/events/",
        "/api/events/{event_id}/ratings/",
        "/api/events/tracks/{track_id}/check-in/",
    ):
        assert path in schema["paths"], path
