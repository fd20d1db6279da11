"""Concurrent registrations against real PostgreSQL (one connection per thread, committed
data): the row lock on the event holds its places; the row lock on a track holds its places."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import Role
from tenants.models import Organisation
from tests.conftest import District
from tutorials.events import services
from tutorials.events.errors import EventFullError, TrackFullError
from tutorials.events.models import Assignment, Event, Participant

from .helpers import make_cast, register, week


def race(organisation: Organisation, attempts: list[Callable[[], object]]) -> Counter[str]:
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            with tenant_context(organisation):
                connection.ensure_connection()
                barrier.wait(timeout=30)
                attempt()
            outcome = "ok"
        except (EventFullError, TrackFullError):
            outcome = "full"
        except Exception as error:
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "an attempt hung"
    return Counter(outcomes)


def test_twenty_teachers_racing_for_five_places_get_exactly_five_registrations(
    district: District, committed_db: None
) -> None:
    with tenant_context(district.centre):
        cast = make_cast(district, teachers=20, organiser_role=Role.CENTRE_ADMIN)
        event, _, _ = week(cast.organiser, capacity=5)
    attempts = [
        (lambda t=t: services.participant_register(actor=t.user, membership=t, event_id=event.pk))
        for t in cast.teachers
    ]
    outcomes = race(district.centre, attempts)
    assert outcomes == Counter({"ok": 5, "full": 15}), outcomes
    with tenant_context(district.centre):
        event.refresh_from_db()
        assert event.registered == 5
        assert Participant.objects.filter(event=event, status="registered").count() == 5


def test_twelve_teachers_racing_for_a_three_place_track_get_exactly_three_places(
    district: District, committed_db: None
) -> None:
    with tenant_context(district.centre):
        cast = make_cast(district, teachers=12, organiser_role=Role.CENTRE_ADMIN)
        event, _, tracks = week(cast.organiser, places=(3, 20), fill_mode=Event.FillMode.FIRST_COME)
        for teacher in cast.teachers:
            register(teacher, event)
    track = tracks[0][0]
    attempts = [
        (lambda t=t: services.track_take(actor=t.user, membership=t, track_id=track.pk))
        for t in cast.teachers
    ]
    outcomes = race(district.centre, attempts)
    assert outcomes == Counter({"ok": 3, "full": 9}), outcomes
    with tenant_context(district.centre):
        track.refresh_from_db()
        assert track.assigned == 3 == Assignment.objects.filter(track=track).count()
