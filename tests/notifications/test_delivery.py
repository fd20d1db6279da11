"""The outbox, delivered by the real Celery worker to a real SMTP sink, the
in-app inbox and the Redis channel layer (ARCHITECTURE section 4)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from notifications.models import Delivery, Kind, Notification
from notifications.services import (
    MAX_ATTEMPTS,
    notification_create,
    notifications_deliver,
    stuck_notification_ids,
)
from notifications.tasks import deliver_notifications, resend_stuck
from tests.conftest import District, LiveStack
from tests.factories import UserFactory

from .helpers import closed_port, delivered, eventually, smtp_to, unqueued_notification

pytestmark = pytest.mark.live


def channels_of(notification: Notification) -> list[str]:
    return sorted(Delivery.objects.filter(notification=notification).values_list("channel", flat=True))


def test_a_committed_notification_is_emailed_and_put_in_the_inbox_by_the_worker(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = UserFactory()
    with tenant_context(district.school_a), transaction.atomic():
        notification = notification_create(
            kind=Kind.WELCOME,
            recipient=user,
            subject="Welcome to school 1",
            body="Hello",
            link="http://school1.localhost/",
        )
    message = live_stack.mailbox.wait_for(lambda m: user.email in (m["To"] or ""))
    assert message["Subject"] == "Welcome to school 1"
    assert "http://school1.localhost/" in message.get_payload(decode=True).decode()
    done = delivered(notification.pk)
    assert done.email_sent_at is not None
    assert done.attempts == 1
    assert channels_of(done) == ["email", "in_app"]
    assert len(live_stack.mailbox.to(user.email)) == 1


def test_a_notification_of_a_rolled_back_transaction_is_never_delivered(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = UserFactory()

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), tenant_context(district.school_a), transaction.atomic():
        notification_create(kind=Kind.WELCOME, recipient=user, subject="Rolled back", body="Never")
        raise Rollback
    # A notification committed after it is delivered; the rolled-back one never is.
    with tenant_context(district.school_a):
        later = notification_create(kind=Kind.WELCOME, recipient=user, subject="Committed", body="Yes")
    delivered(later.pk)
    live_stack.mailbox.wait_for(lambda m: m["Subject"] == "Committed" and user.email in m["To"])
    assert [m["Subject"] for m in live_stack.mailbox.to(user.email)] == ["Committed"]
    assert list(Notification.objects.filter(recipient=user).values_list("subject", flat=True)) == [
        "Committed"
    ]


def test_concurrent_deliveries_of_the_same_notifications_send_one_email_and_log_each_channel_once(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    users = [UserFactory() for _ in range(5)]
    ids = [unqueued_notification(user).pk for user in users]
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(notifications_deliver(notification_ids=ids))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    with smtp_to(live_stack.smtp_port):
        threads = [threading.Thread(target=deliver) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    # Rows another thread held were skipped, so the sweep sees anything left; here none is.
    assert sum(results) == len(ids)
    for user, notification_id in zip(users, ids, strict=True):
        assert len(live_stack.mailbox.to(user.email)) == 1
        notification = Notification.objects.get(pk=notification_id)
        assert notification.delivered_at is not None
        assert channels_of(notification) == ["email", "in_app"]


def test_many_delivery_tasks_for_one_notification_on_the_live_worker_send_one_email(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = UserFactory()
    notification = unqueued_notification(user)
    with tenant_context(district.school_a):
        results = [deliver_notifications.delay([notification.pk]) for _ in range(12)]
    assert sum(result.get(timeout=30) for result in results) == 1
    assert len(live_stack.mailbox.to(user.email)) == 1
    assert channels_of(notification) == ["email", "in_app"]


def test_a_notification_whose_email_was_already_sent_is_not_emailed_again(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = UserFactory()
    notification = unqueued_notification(user, email_sent_at=timezone.now())
    assert deliver_notifications.delay([notification.pk]).get(timeout=30) == 1
    done = delivered(notification.pk)
    assert channels_of(done) == ["in_app"]
    assert live_stack.mailbox.to(user.email) == []


def test_a_failed_email_is_recorded_and_the_sweep_delivers_it_once(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = UserFactory()
    notification = unqueued_notification(user)
    with smtp_to(closed_port()):
        assert notifications_deliver(notification_ids=[notification.pk]) == 0
    failed = Notification.objects.get(pk=notification.pk)
    assert failed.delivered_at is None and failed.email_sent_at is None
    assert failed.attempts == 1
    assert "SMTP server unreachable" in failed.last_error
    assert failed.next_attempt_at is not None and failed.next_attempt_at > timezone.now()
    # The SMTP outage does not hold back the inbox.
    assert channels_of(failed) == ["in_app"]
    # Not before its next attempt is due ...
    assert notification.pk not in stuck_notification_ids(older_than_seconds=0)
    # ... and once time has passed, the beat sweep on the live worker re-queues it.
    past = timezone.now() - timedelta(minutes=10)
    Notification.objects.filter(pk=notification.pk).update(created_at=past, next_attempt_at=past)
    assert resend_stuck.delay().get(timeout=30) >= 1
    done = delivered(notification.pk)
    assert done.attempts == 2 and done.last_error == ""
    assert channels_of(done) == ["email", "in_app"]
    assert len(live_stack.mailbox.to(user.email)) == 1


def test_a_notification_never_queued_is_delivered_by_the_sweep_exactly_once(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = UserFactory()
    notification = unqueued_notification(user, age_seconds=600)
    assert resend_stuck.delay().get(timeout=30) >= 1
    delivered(notification.pk)
    live_stack.mailbox.wait_for(lambda m: user.email in (m["To"] or ""))
    # A second sweep finds nothing of it to do.
    resend_stuck.delay().get(timeout=30)
    assert notification.pk not in stuck_notification_ids(older_than_seconds=0)
    assert len(live_stack.mailbox.to(user.email)) == 1
    assert channels_of(notification) == ["email", "in_app"]


def test_the_sweep_gives_up_after_the_last_attempt_and_keeps_the_error(
    district: District, committed_db: None
) -> None:
    user = UserFactory()
    exhausted = unqueued_notification(
        user, age_seconds=600, attempts=MAX_ATTEMPTS, last_error="SMTPRecipientsRefused"
    )
    due = unqueued_notification(user, age_seconds=600, attempts=MAX_ATTEMPTS - 1)
    stuck = stuck_notification_ids(older_than_seconds=60, limit=100_000)
    assert due.pk in stuck
    assert exhausted.pk not in stuck
    Notification.objects.filter(pk__in=[exhausted.pk, due.pk]).update(delivered_at=timezone.now())


def test_a_notification_committed_while_the_broker_is_down_does_not_fail_the_operation(
    district: District, committed_db: None, caplog: pytest.LogCaptureFixture
) -> None:
    from tutornet.celery import app

    user = UserFactory()
    started = time.monotonic()
    broker = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        with transaction.atomic():
            notification = notification_create(
                kind=Kind.WELCOME, recipient=user, subject="While down", body="x"
            )
    finally:
        app.conf.broker_url = broker
        app._pool = None
        app.amqp._producer_pool = None
    assert time.monotonic() - started < 10
    assert "Could not queue delivery" in caplog.text
    stored = Notification.objects.get(pk=notification.pk)
    assert stored.delivered_at is None and stored.attempts == 0
    eventually(
        lambda: notification.pk in stuck_notification_ids(older_than_seconds=-5), 5, "stuck for the sweep"
    )
    Notification.objects.filter(pk=notification.pk).update(delivered_at=timezone.now())
