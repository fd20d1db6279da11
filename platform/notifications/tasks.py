"""Thin Celery wrappers around the notification services (ARCHITECTURE section 4)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from .services import BATCH, notifications_deliver, notifications_requeue_stuck

# Quick retries for an e-mail that failed (an SMTP hiccup); after them the
# beat sweep takes over with its growing delay (services.retry_delay).
EMAIL_RETRIES = 3


@shared_task(name="notifications.deliver", bind=True, acks_late=True, max_retries=EMAIL_RETRIES)
def deliver_notifications(self: Any, notification_ids: list[int]) -> int:
    """Deliver the given notifications; retry, with back-off, those whose e-mail failed."""
    from .models import Notification

    delivered = notifications_deliver(notification_ids=notification_ids)
    if delivered < len(notification_ids) and self.request.retries < EMAIL_RETRIES:
        failed = list(
            Notification.objects.filter(pk__in=notification_ids, delivered_at__isnull=True)
            .exclude(last_error="")
            .values_list("pk", flat=True)
        )
        if failed:
            raise self.retry(args=[failed], countdown=5 * 2**self.request.retries)
    return delivered


@shared_task(name="notifications.resend_stuck")
def resend_stuck() -> int:
    """Beat: re-queue every notification still undelivered after the grace period.

    Notifications live in the public schema, so one sweep covers every
    organisation; it queues them in batches.  Each re-queued row waits longer
    before the next sweep may queue it again (services.notifications_requeue_stuck).
    """
    ids = notifications_requeue_stuck(older_than_seconds=settings.NOTIFICATION_RESEND_AFTER, limit=10_000)
    for start in range(0, len(ids), BATCH):
        deliver_notifications.delay(ids[start : start + BATCH])
    return len(ids)
