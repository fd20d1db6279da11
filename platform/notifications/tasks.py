from __future__ import annotations

from celery import shared_task
from django.conf import settings

BATCH = 200


@shared_task(name="notifications.deliver", acks_late=True)
def deliver_notifications(notification_ids: list[int]) -> int:
    from .services import notifications_deliver

    return notifications_deliver(notification_ids=notification_ids)


@shared_task(name="notifications.resend_stuck")
def resend_stuck() -> int:
    """Beat: re-queue every notification still undelivered after the grace period."""
    from .services import stuck_notification_ids

    ids = stuck_notification_ids(older_than_seconds=settings.NOTIFICATION_RESEND_AFTER, limit=10_000)
    for start in range(0, len(ids), BATCH):
        deliver_notifications.delay(ids[start : start + BATCH])
    return len(ids)
