"""Every consultations list page and list endpoint costs the same number of queries for 3 rows
as for 9: a per-row query would show as a difference.  The rows are built through the
services (``booking_create``, ``booking_reschedule``, ``booking_mark``, ``booking_rate``,
``waitlist_join``), so each booking has its busy time like a real one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from consultations.services import (
    booking_create,
    booking_mark,
    booking_rate,
    booking_reschedule,
    waitlist_join,
)
from consultations.services.feeds import calendar_feed_create
from tenants.models import Organisation
from tests.conftest import District, client_for, member

from .factories import OfferingFactory, SlotFactory, teacher_in

pytestmark = pytest.mark.django_db

CENTRE = "centre.localhost"


class World:
    """A tutor and a teacher of school A with k of everything each list shows, grown in steps."""

    def __init__(self, district: District) -> None:
        self.district = district
        self.school = district.school_a
        self.tutor = member(district.centre, Role.TUTOR).user
        self.teacher = teacher_in(self.school)
        self.admin = member(district.centre, Role.CENTRE_ADMIN).user
        self.week = (timezone.now() + timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
        self.offering = OfferingFactory(tutor=self.tutor, group=True, capacity=2, min_notice_hours=0)
        self.made = 0

    def _slot(self, starts: Any, **fields: Any) -> Any:
        return SlotFactory(offering=fields.pop("offering", self.offering), starts_at=starts, **fields)

    def _book(self, slot: Any, teacher: Any = None, **kwargs: Any) -> Any:
        return booking_create(
            slot_id=slot.pk,
            teacher=teacher or self.teacher,
            teacher_organisation=self.school,
            question="Вопрос",
            **kwargs,
        )

    def grow(self, k: int) -> None:
        now = timezone.now()
        for _ in range(k):
            i = self.made
            self.made += 1
            # An upcoming booking, moved once (a reschedule chain for the feed).
            first = self._slot(self.week + timedelta(hours=i))
            moved_to = self._slot(self.week + timedelta(days=1, hours=i))
            booking = self._book(first)
            booking_reschedule(booking_id=booking.pk, new_slot_id=moved_to.pk, actor=self.teacher)
            # A held and rated consultation.
            past = self._slot(now - timedelta(days=3, hours=i))
            held = self._book(past, now=past.starts_at - timedelta(days=1))
            booking_mark(booking_id=held.pk, actor=self.tutor, status="held")
            booking_rate(booking_id=held.pk, teacher=self.teacher, score=5)
            # A full group slot with the teacher on its waitlist.
            full = self._slot(self.week + timedelta(days=3, hours=i))
            for _place in range(2):
                self._book(full, teacher=teacher_in(self.school))
            waitlist_join(
                slot_id=full.pk, teacher=self.teacher, teacher_organisation=self.school, question="Q"
            )
            # One more offering of the tutor.
            OfferingFactory(tutor=self.tutor)


def queries(request: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200, response
    return len(captured)


PAGES: list[tuple[str, str, Callable[[World], str]]] = [
    ("teacher", "browse", lambda w: f"/consultations/?week={w.week.date() + timedelta(days=3)}"),
    ("teacher", "my", lambda w: "/consultations/my/"),
    ("tutor", "calendar", lambda w: f"/consultations/calendar/?week={w.week.date() + timedelta(days=1)}"),
    ("tutor", "offerings", lambda w: "/consultations/offerings/"),
    ("tutor", "ratings (own)", lambda w: "/consultations/ratings/"),
    ("admin", "ratings (all)", lambda w: "/consultations/ratings/"),
    ("teacher", "api slots", lambda w: "/api/consultations/slots/"),
    ("teacher", "api offerings", lambda w: "/api/consultations/offerings/"),
    ("teacher", "api bookings", lambda w: "/api/consultations/bookings/"),
    ("tutor", "api bookings as tutor", lambda w: "/api/consultations/bookings/?as=tutor"),
    ("teacher", "api waitlist", lambda w: "/api/consultations/waitlist/"),
]


def test_every_list_page_and_endpoint_costs_the_same_queries_for_3_rows_as_for_9(
    centre: Organisation, district: District
) -> None:
    world = World(district)
    world.grow(3)
    people = {"teacher": world.teacher, "tutor": world.tutor, "admin": world.admin}
    clients = {name: client_for(user, CENTRE) for name, user in people.items()}
    _feed, token = calendar_feed_create(user=world.teacher)
    feed_client = client_for(None, CENTRE)

    def measure() -> dict[str, int]:
        counts = {
            name: queries(lambda who=who, url=url: clients[who].get(url(world)))  # type: ignore[misc]
            for who, name, url in PAGES
        }
        counts["ics feed"] = queries(lambda: feed_client.get(f"/calendar/feed/{token}.ics"))
        return counts

    measure()  # warm the per-process caches (host, district membership): they are not per row
    few = measure()
    world.grow(6)
    many = measure()

    assert many == few
