"""Writing to the outbox and delivering from it.

Invariant: each notification is delivered at most once per channel.  A worker
*claims* a row in a short transaction (``claimed_until``, under a
``skip_locked`` row lock that ends with that transaction), sends its e-mail with
no transaction or lock open, then *records* the outcome in a second short
transaction.  A claim that lapses (a worker died mid-send) lets another take the
row.  ``delivered_at`` makes a repeated attempt a no-op, ``email_sent_at`` and the
delivery log say which channels are done, and ``Delivery``'s unique constraint
backs that in the database.  (An e-mail accepted by the SMTP server just before
the record fails would be sent again: no SMTP server takes part in a transaction.)
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable
from datetime import timedelta

from asgiref.sync import SyncToAsync, async_to_sync
from celery import current_app
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from tenants.models import Organisation

from .models import ESSENTIAL_EMAIL_KINDS, Delivery, Kind, Notification, Preference

logger = logging.getLogger(__name__)

# After this many attempts the sweep gives up on a notification (its e-mail
# keeps failing: a bad address, a long outage); ``last_error`` says why.
MAX_ATTEMPTS = 12
# Ids per delivery task (tasks.py queues by it, the sweep too).
BATCH = 200
# How long a claim holds a row for the worker that sends it: well beyond one SMTP
# conversation (EMAIL_TIMEOUT); after it another worker may take the row.
CLAIM_SECONDS = max(60, 6 * int(getattr(settings, "EMAIL_TIMEOUT", 10) or 10))


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def notification_create(
    *,
    kind: Kind | str,
    subject: str,
    body: str,
    recipient: User | None = None,
    email: str | None = None,
    link: str = "",
    organisation: Organisation | None = None,
    in_app: bool = True,
    attachment: tuple[str, str, str] | None = None,
) -> Notification:
    """Write the outbox row in the caller's transaction; delivery is queued on commit.

    ``attachment`` is (file name, text content, MIME type), e.g. an .ics event.
    """
    notification = notification_build(
        kind=kind,
        subject=subject,
        body=body,
        recipient=recipient,
        email=email,
        link=link,
        organisation=organisation,
        in_app=in_app,
        attachment=attachment,
    )
    notification.save(force_insert=True)
    _queue_delivery_on_commit([notification.pk])
    return notification


def notification_build(
    *,
    kind: Kind | str,
    subject: str,
    body: str,
    recipient: User | None = None,
    email: str | None = None,
    link: str = "",
    organisation: Organisation | None = None,
    in_app: bool = True,
    attachment: tuple[str, str, str] | None = None,
) -> Notification:
    """An unsaved outbox row, for ``notifications_create`` (same arguments as ``notification_create``)."""
    if recipient is None and not email:
        raise ValueError("A notification needs a recipient or an e-mail address")
    return Notification(
        recipient=recipient,
        email=email or (recipient.email if recipient else ""),
        kind=kind,
        subject=subject,
        body=body,
        link=link,
        organisation=organisation,
        in_app=in_app and recipient is not None,
        attachment_name=attachment[0] if attachment else "",
        attachment_content=attachment[1] if attachment else "",
        attachment_mimetype=attachment[2] if attachment else "",
    )


def notifications_create(notifications: list[Notification]) -> list[Notification]:
    """Write several outbox rows (from ``notification_build``) in one INSERT; delivery as above."""
    if not notifications:
        return notifications
    created = Notification.objects.bulk_create(notifications)
    _queue_delivery_on_commit([notification.pk for notification in created])
    return created


class _PendingDeliveries:
    """The notifications written in one transaction, queued together when it commits."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def flush(self) -> None:
        for start in range(0, len(self.ids), BATCH):
            _queue_delivery_soon(self.ids[start : start + BATCH])


def _queue_delivery_on_commit(notification_ids: list[int]) -> None:
    """Queue delivery on commit: one task per transaction (per BATCH ids), not one per notification.

    A task per notification made a transaction that writes many notifications
    pay a broker round trip and the worker a task and an SMTP connection for
    each (bench/notification_throughput.py).  The flush is registered once per
    transaction; when a rollback discarded it, a new list starts.  Ids of rows
    a savepoint rolled back may remain in the list: their task finds no row.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:  # autocommit: the rows are committed already
        _queue_delivery_soon(notification_ids)
        return
    pending: _PendingDeliveries | None = getattr(connection, "_notifications_pending", None)
    if pending is None or not any(entry[1] == pending.flush for entry in connection.run_on_commit):
        pending = _PendingDeliveries()
        connection._notifications_pending = pending  # type: ignore[attr-defined]
        transaction.on_commit(pending.flush)
    pending.ids.extend(notification_ids)


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of the ASGI server whose request this thread serves, if any.

    asgiref records it in every thread it runs sync code in (``sync_to_async``);
    ``async_to_sync`` finds it the same way.  None in a Celery worker, a
    command, or a test calling a service directly.
    """
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop: asyncio.AbstractEventLoop | None = getattr(local, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


# Under the ASGI server, the ids committed by any request during this long are
# queued together: one task (per BATCH ids) for many requests, not one each.
# A publish costs about 1 ms of the server's CPU; at 20 ms most windows held a
# single booking's ids (bench/booking_contention.py, ~65 bookings/s), at 100 ms
# several share it.  An e-mail a tenth of a second later is not noticed.
COALESCE_SECONDS = 0.1


def _queue_delivery_soon(notification_ids: list[int]) -> None:
    """Queue delivery of committed rows; under the ASGI server without making the request wait.

    There the ids go to the server's event loop, which collects those of every
    request for ``COALESCE_SECONDS`` and then publishes them in its thread pool,
    whose threads live on (Celery builds a producer and a result backend per
    thread: a request's new thread would build them again).  The rows are
    committed already, so a publish lost with the process is picked up by the
    beat sweep, like a publish that failed.
    """
    loop = server_loop()
    if loop is not None:
        try:
            loop.call_soon_threadsafe(_collect_on_loop, loop, list(notification_ids))
            return
        except RuntimeError:  # the loop closed meanwhile
            pass
    _queue_delivery(notification_ids)


_collected: dict[asyncio.AbstractEventLoop, list[int]] = {}


def _collect_on_loop(loop: asyncio.AbstractEventLoop, notification_ids: list[int]) -> None:
    """(On the server's loop.) Add ids to the loop's next publish; the first schedules it."""
    pending = _collected.get(loop)
    if pending is None:
        pending = _collected[loop] = []
        loop.call_later(COALESCE_SECONDS, _publish_collected, loop)
    pending.extend(notification_ids)


def _publish_collected(loop: asyncio.AbstractEventLoop) -> None:
    """(On the server's loop.) Publish what was collected, off the loop."""
    ids = _collected.pop(loop, [])
    for start in range(0, len(ids), BATCH):
        loop.run_in_executor(None, _queue_delivery, ids[start : start + BATCH])


DELIVER_TASK = "notifications.deliver"  # notifications.tasks.deliver_notifications, sent by name


def _queue_delivery(notification_ids: list[int]) -> None:
    try:
        # By name: the services do not import the tasks (which import the services).
        # Nobody reads the result of a queued delivery.  With a result backend,
        # ``delay`` would also subscribe this thread to the task's result channel:
        # under ASGI, where every request has its own thread, that was a new Redis
        # connection and backend per request (bench/booking_contention.py).
        current_app.send_task(DELIVER_TASK, args=(notification_ids,), ignore_result=True)
    except Exception:  # broker down: the beat sweep re-queues it later
        logger.warning(
            "Could not queue delivery of %s; the sweep will retry", notification_ids, exc_info=True
        )


def emails_refused(notification_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(user id, kind) pairs whose e-mail the recipients of these notifications switched off:
    one query for a whole batch, not one per notification."""
    recipients = Notification.objects.filter(pk__in=list(notification_ids)).values("recipient_id")
    return set(
        Preference.objects.filter(user_id__in=recipients, email_enabled=False).values_list("user_id", "kind")
    )


def email_wanted(notification: Notification, refused: set[tuple[int, str]]) -> bool:
    if notification.kind in ESSENTIAL_EMAIL_KINDS or notification.recipient_id is None:
        return True
    return (notification.recipient_id, notification.kind) not in refused


def _email_message(notification: Notification) -> EmailMessage:
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{notification.link}"
    message = EmailMessage(
        subject=notification.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email],
    )
    if notification.attachment_name:
        message.attach(
            notification.attachment_name, notification.attachment_content, notification.attachment_mimetype
        )
    return message


class _Mailer:
    """One SMTP connection for a batch, opened on the first e-mail.

    A connection that fails is closed so the next e-mail reconnects; when the
    server cannot be reached at all, the rest of the batch does not wait on it
    again (each notification keeps the error and is retried later).
    """

    def __init__(self) -> None:
        self.connection = get_connection()
        self.opened = False
        self.unreachable: str = ""

    def send(self, message: EmailMessage) -> None:
        if self.unreachable:
            raise ConnectionError(self.unreachable)
        if not self.opened:
            try:
                self.connection.open()
            except Exception as exc:
                self.unreachable = f"SMTP server unreachable: {type(exc).__name__}: {exc}"
                raise ConnectionError(self.unreachable) from exc
            self.opened = True
        message.connection = self.connection
        try:
            message.send()
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.opened:
            self.opened = False
            try:
                self.connection.close()
            except Exception:  # closing a broken connection
                logger.debug("Closing the SMTP connection failed", exc_info=True)


def retry_delay(attempts: int) -> timedelta:
    """How long a notification whose e-mail failed waits before the sweep retries it."""
    seconds = settings.NOTIFICATION_RESEND_AFTER * 2 ** min(max(attempts - 1, 0), 10)
    return timedelta(seconds=min(seconds, 6 * 60 * 60))


def notifications_deliver(*, notification_ids: Iterable[int]) -> int:
    """Deliver each pending notification once; returns how many were completed now.

    Per notification: claim (a short transaction), send the e-mail with nothing
    locked, record (another short transaction); see the module's docstring.  One
    SMTP connection serves the batch.  A failed e-mail does not hold back the
    in-app delivery: the notification stays pending for its e-mail, with the
    error recorded, and is retried by the task and then by the beat sweep with a
    growing delay.
    """
    notification_ids = list(notification_ids)
    delivered = 0
    pushes: list[Notification] = []
    refused = emails_refused(notification_ids)
    mailer = _Mailer()
    try:
        for notification_id in notification_ids:
            if _deliver_one(notification_id, mailer, pushes, refused):
                delivered += 1
    finally:
        mailer.close()
    if pushes:
        # After commit: when called inside an outer transaction (tests, a
        # service), nobody may be told about rows that could still roll back.
        transaction.on_commit(lambda: push_to_users(pushes))
    return delivered


def _claim(
    notification_id: int, pushes: list[Notification], refused: set[tuple[int, str]]
) -> tuple[Notification | None, bool]:
    """Take the row for this worker and deliver in-app at once.

    Returns (the notification whose e-mail is still to be sent, or None; whether the
    notification was completed by this claim alone).
    ``skip_locked``: a row another worker is claiming right now is left to it, and a
    row claimed by another (``claimed_until`` ahead) too; a lapsed claim is taken over.
    """
    now = timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, delivered_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .first()
        )
        if notification is None:  # delivered already, or another worker has it
            return None, False
        # A first attempt has logged nothing yet: skip the query for what is done.
        done: set[str] = set()
        if notification.attempts:
            done = set(notification.deliveries.values_list("channel", flat=True))
        notification.attempts += 1
        if notification.in_app and Delivery.Channel.IN_APP not in done:
            Delivery.objects.create(notification=notification, channel=Delivery.Channel.IN_APP)
            pushes.append(notification)
        if notification.email_sent_at is None and email_wanted(notification, refused):
            notification.claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
            notification.save(update_fields=["attempts", "claimed_until"])
            return notification, False
        notification.delivered_at = now
        notification.last_error = ""
        notification.next_attempt_at = notification.claimed_until = None
        notification.save(
            update_fields=["attempts", "delivered_at", "last_error", "next_attempt_at", "claimed_until"]
        )
    return None, True


def _deliver_one(
    notification_id: int, mailer: _Mailer, pushes: list[Notification], refused: set[tuple[int, str]]
) -> bool:
    """Claim, send with nothing locked, record.  True when the notification is delivered now."""
    notification, completed = _claim(notification_id, pushes, refused)
    if notification is None:
        return completed
    email_error = ""
    try:
        mailer.send(_email_message(notification))  # no transaction, no row lock: up to EMAIL_TIMEOUT
    except Exception as exc:
        email_error = f"{type(exc).__name__}: {exc}"[:2000]
        logger.warning("E-mail for notification %s failed: %s", notification_id, exc)
    now = timezone.now()
    with transaction.atomic():
        row = Notification.objects.filter(pk=notification_id)
        if email_error:
            row.update(
                last_error=email_error,
                next_attempt_at=now + retry_delay(notification.attempts),
                claimed_until=None,
            )
            return False
        Delivery.objects.bulk_create(
            [Delivery(notification_id=notification_id, channel=Delivery.Channel.EMAIL)], ignore_conflicts=True
        )
        row.update(
            email_sent_at=now, delivered_at=now, last_error="", next_attempt_at=None, claimed_until=None
        )
    return True


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, in_app=True, read_at__isnull=True).count()


def push_to_users(notifications: list[Notification]) -> None:
    """Push a batch of notifications to their recipients' open pages in one event-loop run."""
    layer = get_channel_layer()
    if layer is None:
        return
    # One count per recipient of the batch (counted after the batch committed).
    unread = {uid: unread_count(uid) for uid in {n.recipient_id for n in notifications} if uid is not None}
    messages = [
        (
            user_group(n.recipient_id),
            {
                "type": "notification.new",
                "id": n.pk,
                "subject": n.subject,
                "link": n.link,
                "unread": unread[n.recipient_id],
            },
        )
        for n in notifications
        if n.recipient_id is not None
    ]

    async def send_all() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    try:
        async_to_sync(send_all)()
    except Exception:  # the inbox has them; a page that missed the push shows them on reload
        logger.warning("WebSocket push of %s notifications failed", len(messages), exc_info=True)


def notifications_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given)."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


def preferences_update(*, user: User, email_enabled: dict[str, bool]) -> None:
    with transaction.atomic():
        for kind, enabled in email_enabled.items():
            if kind not in Kind.values or kind in ESSENTIAL_EMAIL_KINDS:
                continue
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"email_enabled": enabled})


def stuck_notification_ids(*, older_than_seconds: int, limit: int = 1000) -> list[int]:
    """Undelivered notifications the sweep should queue again.

    Older than the grace period (a queued task normally delivers sooner), due
    for their next attempt, not claimed by a worker right now, and not given up on
    after ``MAX_ATTEMPTS`` (those keep ``last_error`` for the operator to see).
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    return list(
        Notification.objects.filter(
            delivered_at__isnull=True, created_at__lt=cutoff, attempts__lt=MAX_ATTEMPTS
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def notifications_requeue_stuck(*, older_than_seconds: int, limit: int = 10_000) -> list[int]:
    """The stuck notifications (above), marked as queued again: each is not due for another
    sweep before ``retry_delay`` of how often it was re-queued.  So while the worker is
    behind, the sweep does not queue the same ids every run; it backs off."""
    now = timezone.now()
    with transaction.atomic():
        ids = stuck_notification_ids(older_than_seconds=older_than_seconds, limit=limit)
        rows = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids)
            .values_list("pk", "requeued")
        )
        by_count: dict[int, list[int]] = {}
        for pk, requeued in rows:
            by_count.setdefault(requeued + 1, []).append(pk)
        for requeued, pks in by_count.items():
            Notification.objects.filter(pk__in=pks).update(
                requeued=requeued, next_attempt_at=now + retry_delay(requeued)
            )
    return sorted(pk for pks in by_count.values() for pk in pks)
