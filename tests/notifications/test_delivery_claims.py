"""Delivery claims a row, commits, sends with nothing locked, then records; the sweep backs off;
one preference query per batch; the services do not import the tasks."""

from __future__ import annotations

import ast
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Delivery, Kind, Notification, Preference
from notifications.services import emails_refused, notifications_deliver, notifications_requeue_stuck
from tests.factories import UserFactory

from .helpers import unqueued_notification

ROOT = Path(__file__).resolve().parents[2]


class LockProbeBackend(BaseEmailBackend):
    """An SMTP stand-in that, while "sending", asks another connection whether the row is locked."""

    seen: list[tuple[str, bool, bool]] = []

    def send_messages(self, email_messages: Any) -> int:
        for message in email_messages:
            result: dict[str, bool] = {}

            def probe(subject: str = message.subject, result: dict[str, bool] = result) -> None:
                try:
                    with transaction.atomic():
                        row = Notification.objects.select_for_update(nowait=True).get(subject=subject)
                        result["locked"] = False
                        result["claimed"] = (
                            row.claimed_until is not None and row.claimed_until > timezone.now()
                        )
                except OperationalError:  # "could not obtain lock": a lock is held across the send
                    result["locked"] = True
                finally:
                    connection.close()

            thread = threading.Thread(target=probe)
            thread.start()
            thread.join(30)
            LockProbeBackend.seen.append((message.subject, result["locked"], result.get("claimed", False)))
        return len(email_messages)


@override_settings(EMAIL_BACKEND="tests.notifications.test_delivery_claims.LockProbeBackend")
def test_no_row_lock_is_held_while_the_email_is_sent(committed_db: None) -> None:
    user = UserFactory()
    notification = unqueued_notification(user)
    LockProbeBackend.seen = []
    assert notifications_deliver(notification_ids=[notification.pk]) == 1
    # Another connection could lock the row during the send (no lock held), and saw it claimed.
    assert LockProbeBackend.seen == [(notification.subject, False, True)]
    done = Notification.objects.get(pk=notification.pk)
    assert done.delivered_at is not None and done.claimed_until is None
    assert sorted(Delivery.objects.filter(notification=done).values_list("channel", flat=True)) == [
        "email",
        "in_app",
    ]


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_a_row_claimed_by_another_worker_is_left_to_it_until_the_claim_lapses() -> None:
    from django.core import mail

    user = UserFactory()
    notification = unqueued_notification(user)
    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=1)
    )
    assert notifications_deliver(notification_ids=[notification.pk]) == 0
    assert mail.outbox == []
    # The other worker died mid-send: after its claim lapses the row is taken over.
    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert notifications_deliver(notification_ids=[notification.pk]) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_sweep_marks_what_it_requeues_and_backs_off_while_the_worker_is_behind() -> None:
    user = UserFactory()
    stuck = unqueued_notification(user, age_seconds=600)
    first = notifications_requeue_stuck(older_than_seconds=60)
    assert stuck.pk in first
    # The worker has not got to it yet: the next sweeps (every 30 s) leave it alone.
    assert stuck.pk not in notifications_requeue_stuck(older_than_seconds=60)
    row = Notification.objects.get(pk=stuck.pk)
    assert row.requeued == 1 and row.next_attempt_at > timezone.now()
    first_wait = row.next_attempt_at - timezone.now()
    # Once due again it is re-queued, and then waits longer.
    Notification.objects.filter(pk=stuck.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert stuck.pk in notifications_requeue_stuck(older_than_seconds=60)
    row = Notification.objects.get(pk=stuck.pk)
    assert row.requeued == 2 and row.next_attempt_at - timezone.now() > first_wait


@pytest.mark.django_db
def test_email_preferences_of_a_whole_batch_take_one_query() -> None:
    users = [UserFactory() for _ in range(30)]
    for user in users[::2]:
        Preference.objects.create(user=user, kind=Kind.MEMBERSHIP_CHANGED, email_enabled=False)
    rows = [
        Notification.objects.create(
            recipient=u, email=u.email, kind=Kind.MEMBERSHIP_CHANGED, subject="s", body="b"
        )
        for u in users
    ]
    with CaptureQueriesContext(connection) as queries:
        refused = emails_refused([n.pk for n in rows])
    assert len(queries) == 1
    wanted = [services.email_wanted(n, refused) for n in rows]
    assert wanted == [i % 2 == 1 for i in range(30)]


def test_the_services_do_not_import_the_tasks_and_share_one_batch_size() -> None:
    tree = ast.parse((ROOT / "platform" / "notifications" / "services.py").read_text())
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.endswith("tasks")}, imported
    assert tasks.BATCH is services.BATCH
    assert tasks.deliver_notifications.name == services.DELIVER_TASK
