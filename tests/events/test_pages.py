"""The event pages: what teachers and organisers see and do, who may open what,
bad input shown as a message, and query counts that do not grow with the data."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from tests.conftest import client_for, member
from tutorials.checkin import code_now
from tutorials.events import services
from tutorials.events.models import Assignment, Attendance, Block, Rating

from .helpers import Cast, register, week

CENTRE = "centre.localhost"


def test_a_teacher_registers_rates_every_track_and_sees_the_schedule_after_allocation(cast: Cast) -> None:
    event, blocks, tracks = week(cast.organiser, blocks=2)
    teacher = cast.teachers[0]
    client = client_for(teacher.user, CENTRE)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "Мастерская 1.1" in page and 'id="register-form"' in page
    client.post(f"/events/{event.pk}/register/")
    form = client.get(f"/events/{event.pk}/rate/").content.decode()
    assert form.count('type="radio"') == 4 * 6
    assert " checked" not in form  # no pre-chosen value
    response = client.post(f"/events/{event.pk}/rate/", {f"track-{tracks[0][0].pk}": "5"})
    assert "Rate every track" in response.content.decode()
    assert not Rating.objects.filter(participant__event=event).exists()
    values = {f"track-{t.pk}": str(v) for t, v in zip([*tracks[0], *tracks[1]], [5, 0, 1, 4], strict=True)}
    assert client.post(f"/events/{event.pk}/rate/", values).status_code == 302
    assert Rating.objects.filter(participant__event=event).count() == 4
    organiser = client_for(cast.organiser.user, CENTRE)
    response = organiser.post(f"/events/{event.pk}/allocation/", {"action": "allocate"}, follow=True)
    assert "satisfaction 9 of 9 possible" in response.content.decode()
    schedule = client.get(f"/events/{event.pk}/").content.decode()
    assert "Мастерская 1.1" in schedule and "Мастерская 2.2" in schedule
    assert 'name="code"' in schedule


def test_the_organiser_moves_a_participant_and_a_full_track_is_refused_with_a_message(cast: Cast) -> None:
    event, blocks, tracks = week(cast.organiser, places=(1, 1))
    a, b = register(cast.teachers[0], event), register(cast.teachers[1], event)
    organiser = client_for(cast.organiser.user, CENTRE)
    url = f"/events/{event.pk}/allocation/"
    organiser.post(
        url, {"action": "move", "participant": a.pk, "block": blocks[0].pk, "track": tracks[0][0].pk}
    )
    response = organiser.post(
        url,
        {"action": "move", "participant": b.pk, "block": blocks[0].pk, "track": tracks[0][0].pk},
        follow=True,
    )
    assert "This track has no places left." in response.content.decode()
    assert list(Assignment.objects.filter(block=blocks[0]).values_list("participant_id", flat=True)) == [a.pk]
    page = organiser.get(url).content.decode()
    assert "moved by hand" in page


def test_check_in_by_code_on_the_page_and_a_wrong_code_gets_a_message(cast: Cast) -> None:
    event, blocks, tracks = week(cast.organiser, starts_on=timezone.localdate())
    now = timezone.now()
    Block.objects.filter(pk=blocks[0].pk).update(
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1)
    )
    teacher = cast.teachers[0]
    participant = register(teacher, event)
    track = tracks[0][0]
    services.assignment_move(
        actor=cast.organiser.user,
        membership=cast.organiser,
        participant_id=participant.pk,
        block_id=blocks[0].pk,
        track_id=track.pk,
    )
    track.refresh_from_db()
    screen = client_for(cast.organiser.user, CENTRE).get(f"/events/{event.pk}/tracks/{track.pk}/attendance/")
    assert code_now(track.checkin_secret) in screen.content.decode()
    client = client_for(teacher.user, CENTRE)
    wrong = "000000" if code_now(track.checkin_secret) != "000000" else "111111"
    response = client.post(f"/events/{event.pk}/tracks/{track.pk}/check-in/", {"code": wrong}, follow=True)
    assert "Wrong code" in response.content.decode()
    response = client.post(
        f"/events/{event.pk}/tracks/{track.pk}/check-in/",
        {"code": code_now(track.checkin_secret)},
        follow=True,
    )
    assert "You are checked in." in response.content.decode()
    assert Attendance.objects.filter(participant=participant).count() == 1


def test_teachers_get_403_on_organiser_pages_and_participant_lists(cast: Cast) -> None:
    event, _, _ = week(cast.organiser)
    register(cast.teachers[0], event)
    client = client_for(cast.teachers[0].user, CENTRE)
    for path in ("manage", "allocation", "participants", "reflections"):
        assert client.get(f"/events/{event.pk}/{path}/").status_code == 403, path
    assert client.get(f"/events/{event.pk}/board/").status_code == 404
    admin = member(cast.district.centre, Role.CENTRE_ADMIN)
    page = client_for(admin.user, CENTRE).get(f"/events/{event.pk}/participants/")
    assert page.status_code == 200
    assert cast.teachers[0].user.last_name in page.content.decode()


def test_a_schools_internal_event_is_invisible_to_another_school(cast: Cast) -> None:
    district = cast.district
    with tenant_context(district.school_a):
        admin = member(district.school_a, Role.SCHOOL_ADMIN)
        event, _, _ = week(admin)
        school_host = district.host(district.school_a)
    own = client_for(cast.teachers[0].user, school_host)
    assert "Методическая неделя" in own.get("/events/").content.decode()
    assert own.get(f"/events/{event.pk}/").status_code == 200
    stranger = client_for(cast.other_school_teacher.user, school_host)
    assert stranger.get(f"/events/{event.pk}/").status_code in (403, 404)
    assert "Методическая неделя" not in stranger.get("/events/").content.decode()
    other_school = client_for(cast.other_school_teacher.user, district.host(district.school_b))
    assert other_school.get(f"/events/{event.pk}/").status_code == 404
    assert "Методическая неделя" not in other_school.get("/events/").content.decode()


def _count(client, path: str) -> int:  # type: ignore[no-untyped-def]
    client.get(path)  # warm the per-process caches (membership, host)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_list_pages_keep_to_a_fixed_number_of_queries(cast: Cast) -> None:
    event, _, _ = week(cast.organiser)
    for teacher in cast.teachers[:2]:
        register(teacher, event)
    teacher_client = client_for(cast.teachers[0].user, CENTRE)
    organiser = client_for(cast.organiser.user, CENTRE)
    paths = [
        f"/events/{event.pk}/participants/",
        f"/events/{event.pk}/allocation/",
        f"/events/{event.pk}/reflections/",
    ]
    before = [_count(teacher_client, "/events/"), *[_count(organiser, p) for p in paths]]
    for _ in range(3):
        week(cast.organiser)
    for teacher in cast.teachers[2:]:
        register(teacher, event)
    member_count = [_count(teacher_client, "/events/"), *[_count(organiser, p) for p in paths]]
    assert member_count == before
    assert max(member_count) <= 25


def test_the_dashboard_shows_the_events_panel_to_a_registered_teacher(cast: Cast) -> None:
    event, _, _ = week(cast.organiser)
    register(cast.teachers[0], event)
    page = client_for(cast.teachers[0].user, CENTRE).get("/").content.decode()
    assert 'id="panel-events"' in page and f"/events/{event.pk}/" in page
    other = client_for(cast.teachers[1].user, CENTRE).get("/").content.decode()
    assert 'id="panel-events"' not in other
