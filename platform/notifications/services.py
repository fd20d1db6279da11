"""Writing to the outbox and delivering from it.

Invariant: each notification is delivered at most once per channel.  The row
lock in ``notification_deliver`` serialises concurrent attempts, ``delivered_at``
makes a repeated attempt a no-op, and ``Delivery``'s unique constraint backs
both in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from tenants.models import Organisation

from .models import ESSENTIAL_EMAIL_KINDS, Delivery, Kind, Notification, Preference

logger = logging.getLogger(__name__)


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
) -> Notification:
    """Write the outbox row in the caller's transaction; delivery is queued on commit."""
    if recipient is None and not email:
        raise ValueError("A notification needs a recipient or an e-mail address")
    notification = Notification.objects.create(
        recipient=recipient,
        email=email or (recipient.email if recipient else ""),
        kind=kind,
        subject=subject,
        body=body,
        link=link,
        organisation=organisation,
        in_app=in_app and recipient is not None,
    )
    notification_id = notification.pk
    transaction.on_commit(lambda: _queue_delivery([notification_id]))
    return notification


def _queue_delivery(notification_ids: list[int]) -> None:
    from .tasks import deliver_notifications

    try:
        deliver_notifications.delay(notification_ids)
    except Exception:  # broker down: the beat sweep re-queues it later
        logger.warning("Could not queue delivery of %s; the sweep will retry", notification_ids, exc_info=True)


def email_wanted(notification: Notification) -> bool:
    if notification.kind in ESSENTIAL_EMAIL_KINDS or notification.recipient_id is None:
        return True
    preference = Preference.objects.filter(user_id=notification.recipient_id, kind=notification.kind).first()
    return preference is None or preference.email_enabled


def _email_message(notification: Notification) -> EmailMessage:
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{notification.link}"
    return EmailMessage(
        subject=notification.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email],
    )


def notifications_deliver(*, notification_ids: Iterable[int]) -> int:
    """Deliver each pending notification once; returns how many were delivered now.

    One SMTP connection serves the whole batch.  A failed e-mail leaves the
    notification pending (with the error recorded) for the beat sweep.
    """
    delivered = 0
    with get_connection() as smtp:
        for notification_id in notification_ids:
            if _deliver_one(notification_id, smtp):
                delivered += 1
    return delivered


def _deliver_one(notification_id: int, smtp: object) -> bool:
    pushed: Notification | None = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, delivered_at__isnull=True)
            .first()
        )
        if notification is None:  # delivered already, or another worker holds it
            return False
        notification.attempts += 1
        now = timezone.now()
        if notification.email_sent_at is None and email_wanted(notification):
            try:
                message = _email_message(notification)
                message.connection = smtp  # type: ignore[assignment]
                message.send()
            except Exception as exc:
                notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                notification.save(update_fields=["attempts", "last_error"])
                logger.warning("E-mail for notification %s failed: %s", notification_id, exc)
                return False
            notification.email_sent_at = now
            Delivery.objects.create(notification=notification, channel=Delivery.Channel.EMAIL)
        if notification.in_app:
            Delivery.objects.create(notification=notification, channel=Delivery.Channel.IN_APP)
            pushed = notification
        notification.delivered_at = now
        notification.last_error = ""
        notification.save(update_fields=["attempts", "email_sent_at", "delivered_at", "last_error"])
    if pushed is not None:
        push_to_user(pushed)
    return True


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, in_app=True, read_at__isnull=True).count()


def push_to_user(notification: Notification) -> None:
    """Tell the recipient's open pages: a new notification and the unread count."""
    assert notification.recipient_id is not None
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            user_group(notification.recipient_id),
            {
                "type": "notification.new",
                "id": notification.pk,
                "subject": notification.subject,
                "link": notification.link,
                "unread": unread_count(notification.recipient_id),
            },
        )
    except Exception:  # the inbox has it; a page that missed the push shows it on reload
        logger.warning("WebSocket push of notification %s failed", notification.pk, exc_info=True)


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
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        Notification.objects.filter(delivered_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
