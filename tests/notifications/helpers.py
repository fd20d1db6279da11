"""Helpers for notification tests that run against the live stack."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.test import override_settings
from django.utils import timezone

from notifications.models import Kind, Notification

T = TypeVar("T")


def eventually(probe: Callable[[], T], timeout: float = 20.0, what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy (committed data another process wrote)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(0.05)


def delivered(notification_id: int, timeout: float = 20.0) -> Notification:
    return eventually(
        lambda: Notification.objects.filter(pk=notification_id, delivered_at__isnull=False).first(),
        timeout,
        f"delivery of notification {notification_id}",
    )


def unqueued_notification(
    user: Any, *, kind: str = Kind.WELCOME, age_seconds: int = 0, **fields: Any
) -> Notification:
    """An outbox row written without queueing its delivery: what is left when
    the broker was unreachable at commit time."""
    notification = Notification.objects.create(
        recipient=user, email=user.email, kind=kind, subject=f"Stuck for {user.email}", body="Body", **fields
    )
    if age_seconds:
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - timedelta(seconds=age_seconds)
        )
    return notification


def smtp_to(port: int) -> override_settings:
    """This process's e-mail goes to a real SMTP server on ``port`` (the sink, or a closed port)."""
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port
    )


def closed_port() -> int:
    """A port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notifications_removed(user_ids: list[int]) -> None:
    """Delete the committed notifications of these people and their deliveries.

    The live stack's worker may be delivering them right now: lock them first (it skips
    locked rows), then delete the deliveries before the notifications they point to.
    """
    from django.db import transaction

    from notifications.models import Delivery

    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(recipient_id__in=user_ids)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(notification_id__in=ids).delete()
        Notification.objects.filter(pk__in=ids).delete()
