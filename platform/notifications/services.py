"""Writing to the outbox and delivering from it.

Invariant: each notification is delivered at most once per channel.  The row
lock in ``_deliver_one`` serialises concurrent attempts, ``delivered_at`` makes
a repeated attempt a no-op, ``email_sent_at`` and the delivery log say which
channels are done, and ``Delivery``'s unique constraint backs that in the
database.  (An e-mail accepted by the SMTP server just before the database
commit fails would be sent again: no SMTP server takes part in a transaction.)
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable
from datetime import timedelta

from asgiref.sync import SyncToAsync, async_to_sync
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
        from .tasks import BATCH

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
    from .tasks import BATCH

    ids = _collected.pop(loop, [])
    for start in range(0, len(ids), BATCH):
        loop.run_in_executor(None, _queue_delivery, ids[start : start + BATCH])


def _queue_delivery(notification_ids: list[int]) -> None:
    from .tasks import deliver_notifications

    try:
        # Nobody reads the result of a queued delivery.  With a result backend,
        # ``delay`` would also subscribe this thread to the task's result channel:
        # under ASGI, where every request has its own thread, that was a new Redis
        # connection and backend per request (bench/booking_contention.py).
        deliver_notifications.apply_async((notification_ids,), ignore_result=True)
    except Exception:  # broker down: the beat sweep re-queues it later
        logger.warning(
            "Could not queue delivery of %s; the sweep will retry", notification_ids, exc_info=True
        )


def email_wanted(notification: Notification) -> bool:
    if notification.kind in ESSENTIAL_EMAIL_KINDS or notification.recipient_id is None:
        return True
    preference = Preference.objects.filter(user_id=notification.recipient_id, kind=notification.kind).first()
    return preference is None or preference.email_enabled


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

    Each notification is handled in its own short transaction under a row
    lock (see ``_deliver_one``).  One SMTP connection serves the batch.  A
    failed e-mail does not hold back the in-app delivery: the notification
    stays pending for its e-mail, with the error recorded, and is retried by
    the task and then by the beat sweep with a growing delay.
    """
    delivered = 0
    pushes: list[Notification] = []
    mailer = _Mailer()
    try:
        for notification_id in notification_ids:
            if _deliver_one(notification_id, mailer, pushes):
                delivered += 1
    finally:
        mailer.close()
    if pushes:
        # After commit: when called inside an outer transaction (tests, a
        # service), nobody may be told about rows that could still roll back.
        transaction.on_commit(lambda: push_to_users(pushes))
    return delivered


def _deliver_one(notification_id: int, mailer: _Mailer, pushes: list[Notification]) -> bool:
    """Deliver one notification on every channel it still lacks.

    ``skip_locked``: a row locked by another worker is being delivered by it,
    so this attempt leaves it (a duplicate task never waits for a slow SMTP
    exchange of another).  Under the lock, ``delivered_at``, ``email_sent_at``
    and the delivery log say what is already done; the unique constraint on
    ``Delivery`` backs that in the database.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, delivered_at__isnull=True)
            .first()
        )
        if notification is None:  # delivered already, or another worker holds it
            return False
        # A first attempt has logged nothing yet: skip the query for what is done.
        done: set[str] = set()
        if notification.attempts:
            done = set(notification.deliveries.values_list("channel", flat=True))
        notification.attempts += 1
        now = timezone.now()
        if notification.in_app and Delivery.Channel.IN_APP not in done:
            Delivery.objects.create(notification=notification, channel=Delivery.Channel.IN_APP)
            pushes.append(notification)
        email_error = ""
        if notification.email_sent_at is None and email_wanted(notification):
            try:
                mailer.send(_email_message(notification))
            except Exception as exc:
                email_error = f"{type(exc).__name__}: {exc}"[:2000]
                logger.warning("E-mail for notification %s failed: %s", notification_id, exc)
            else:
                notification.email_sent_at = now
                Delivery.objects.create(notification=notification, channel=Delivery.Channel.EMAIL)
        if email_error:
            notification.last_error = email_error
            notification.next_attempt_at = now + retry_delay(notification.attempts)
        else:
            notification.delivered_at = now
            notification.last_error = ""
            notification.next_attempt_at = None
        notification.save(
            update_fields=["attempts", "email_sent_at", "delivered_at", "last_error", "next_attempt_at"]
        )
    return not email_error


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, in_app=True, read_at__isnull=True).count()


def push_to_user(notification: Notification) -> None:
    """Tell the recipient's open pages: a new notification and the unread count."""
    push_to_users([notification])


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
    for their next attempt, and not given up on after ``MAX_ATTEMPTS``
    (those keep ``last_error`` for the operator to see).
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    return list(
        Notification.objects.filter(
            delivered_at__isnull=True, created_at__lt=cutoff, attempts__lt=MAX_ATTEMPTS
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
