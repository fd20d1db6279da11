"""Two sweeps racing over the same due items (committed data, two connections): each item's
reminder is recorded and notified exactly once.  The data is deleted at the end."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from django.db import connections
from django_tenants.utils import tenant_context

from accounts.models import Role
from notifications.models import Kind, Notification
from tenants.models import AcademicYear
from tests.conftest import District, member
from tests.notifications.helpers import notifications_removed
from tutorials.routes import services
from tutorials.routes.models import ItemReminder, Route, Status
from tutorials.routes.reminders import reminders_send

NOW = datetime(2027, 3, 10, 6, 0, tzinfo=UTC)
COUNT = 12


def test_two_concurrent_sweeps_remind_each_item_exactly_once(district: District, committed_db: None) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    tutor = member(district.centre, Role.TUTOR).user
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    year, _ = AcademicYear.objects.get_or_create(
        name="2026/2027", defaults={"starts_on": "2026-09-01", "ends_on": "2027-08-31"}
    )
    route_id = None
    try:
        with tenant_context(district.centre):
            route = services.route_create(actor=teacher, teacher=teacher, academic_year=year, tutor=tutor)
            route_id = route.pk
            for n in range(COUNT):
                route.refresh_from_db()
                services.item_add(
                    actor=teacher,
                    route_id=route.pk,
                    version=route.version,
                    task=f"Задача {n}",
                    deadline=date(2027, 3, 11),
                )
            for actor, target in (
                (teacher, Status.SUBMITTED),
                (tutor, Status.AGREED),
                (admin, Status.APPROVED),
            ):
                route.refresh_from_db()
                services.route_transition(
                    actor=actor, route_id=route.pk, version=route.version, target=target
                )
        barrier = threading.Barrier(2)
        results: list[int] = []
        errors: list[BaseException] = []

        def sweep() -> None:
            try:
                barrier.wait()
                with tenant_context(district.centre):
                    results.append(reminders_send(now=NOW, batch=3))
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sum(results) == COUNT
        with tenant_context(district.centre):
            reminded = list(
                ItemReminder.objects.filter(item__route_id=route_id).values_list("item_id", flat=True)
            )
        assert len(reminded) == len(set(reminded)) == COUNT
        for person in (teacher, tutor):
            bodies = Notification.objects.filter(kind=Kind.ROUTE_DEADLINE, recipient=person).values_list(
                "body", flat=True
            )
            lines = [line for body in bodies for line in body.splitlines()]
            assert len(lines) == COUNT and len(set(lines)) == COUNT, person
    finally:
        notifications_removed([teacher.pk, tutor.pk, admin.pk])
        if route_id is not None:
            with tenant_context(district.centre):
                Route.objects.filter(pk=route_id).delete()
