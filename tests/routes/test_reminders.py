"""Deadline reminders of plan items: "due soon" and "overdue", to the teacher and the tutor,
each at most once per item and deadline, only for an agreed plan, state-based after an
outage, and sent by the beat task over the organisations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from notifications.models import Kind, Notification
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import services
from tutorials.routes.models import ItemReminder, PlanItem, Route, Status
from tutorials.routes.reminders import reminders_send
from tutorials.routes.tasks import reminders_send_for

from .helpers import approved, draft

# 09:00 in Moscow (the demo zone is irrelevant: "today" is the organisation's date).
NOW = datetime(2027, 3, 10, 6, 0, tzinfo=UTC)
TODAY = date(2027, 3, 10)


def _deadline(route: Route, deadline: date, **fields: object) -> PlanItem:
    item = route.items.order_by("pk").first()
    assert item is not None
    return services.item_update(
        actor=route.teacher, item_id=item.pk, version=item.version, deadline=deadline, **fields
    )


def _sent() -> list[tuple[int, str]]:
    return sorted((n.recipient_id, n.subject) for n in Notification.objects.filter(kind=Kind.ROUTE_DEADLINE))


def test_due_soon_then_overdue_each_once_to_the_teacher_and_the_tutor(cast: Cast) -> None:
    route = approved(cast)
    item = _deadline(route, TODAY + timedelta(days=2))
    assert reminders_send(now=NOW - timedelta(days=5)) == 0  # not yet within three days
    assert reminders_send(now=NOW) == 1
    teacher, tutor = cast.user("teacher"), cast.user("tutor")
    assert {r for r, _s in _sent()} == {teacher.pk, tutor.pk}
    note = Notification.objects.get(kind=Kind.ROUTE_DEADLINE, recipient=teacher)
    assert "12.03.2027 — Задача 1" in note.body and note.link.endswith(f"/routes/{route.pk}/#plan")
    assert reminders_send(now=NOW) == 0
    assert reminders_send(now=NOW + timedelta(days=1)) == 0
    assert len(_sent()) == 2
    # The deadline passes with the task still open: one overdue notice each.
    assert reminders_send(now=NOW + timedelta(days=3)) == 1
    assert reminders_send(now=NOW + timedelta(days=4)) == 0
    assert len(_sent()) == 4
    assert set(ItemReminder.objects.filter(item=item).values_list("kind", flat=True)) == {
        "due_soon",
        "overdue",
    }


def test_a_moved_deadline_is_reminded_again_and_a_done_task_is_not(cast: Cast) -> None:
    route = approved(cast)
    item = _deadline(route, TODAY + timedelta(days=1))
    assert reminders_send(now=NOW) == 1
    item = services.item_update(
        actor=cast.user("tutor"), item_id=item.pk, version=item.version, deadline=TODAY + timedelta(days=20)
    )
    assert reminders_send(now=NOW + timedelta(days=18)) == 1
    services.item_update(actor=cast.user("teacher"), item_id=item.pk, version=item.version, status="done")
    assert reminders_send(now=NOW + timedelta(days=30)) == 0


def test_an_outage_gives_the_overdue_notice_only(cast: Cast) -> None:
    route = approved(cast)
    _deadline(route, TODAY - timedelta(days=2))
    assert reminders_send(now=NOW) == 1
    assert list(ItemReminder.objects.values_list("kind", flat=True)) == ["overdue"]
    assert len(_sent()) == 2


def test_only_an_agreed_plan_is_reminded(cast: Cast) -> None:
    drafted = draft(cast, "teacher2")
    _deadline(drafted, TODAY)
    route = approved(cast)
    done = _deadline(route, TODAY, status=PlanItem.ItemStatus.DONE)
    assert done.status == "done"
    assert reminders_send(now=NOW) == 0
    assert not Notification.objects.filter(kind=Kind.ROUTE_DEADLINE).exists()


def test_the_unique_record_is_what_stops_a_second_reminder(cast: Cast) -> None:
    """Two sweeps racing both reach the INSERT; the constraint lets one row in."""
    route = approved(cast)
    item = _deadline(route, TODAY)
    ItemReminder.objects.create(item=item, kind="due_soon", deadline=TODAY)  # another sweep got there first
    assert reminders_send(now=NOW) == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemReminder.objects.create(item=item, kind="due_soon", deadline=TODAY)


def test_a_failed_notification_rolls_the_claim_back(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    route = approved(cast)
    _deadline(route, TODAY)
    from tutorials.routes import reminders

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the outbox is down")

    monkeypatch.setattr(reminders, "_notify", broken)
    with pytest.raises(RuntimeError):
        reminders_send(now=NOW)
    assert not ItemReminder.objects.exists()
    monkeypatch.undo()
    assert reminders_send(now=NOW) == 1


def test_the_beat_task_sends_them_in_each_organisation(cast: Cast) -> None:
    route = approved(cast)
    _deadline(route, date.today() - timedelta(days=1))  # the task uses the real clock
    centre = cast.district.centre
    with schema_context("public"):
        assert reminders_send_for([centre.pk, cast.district.school_a.pk]) == 1
        assert reminders_send_for([centre.pk]) == 0
    assert len(_sent()) == 2
    route.refresh_from_db()
    assert route.status == Status.APPROVED
