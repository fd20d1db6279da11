"""Personal calendar feeds: a secret ICS URL per person and organisation, revocable.

The token in the URL is an HMAC of the feed row (keyed by SECRET_KEY), and
only its SHA-256 is stored: a copy of the database alone does not open
anyone's feed, while the person can still see their URL again on the feed
page.  One live feed per user (a partial unique constraint); making a new one
revokes the old, and a revoked token no longer resolves (404).  Rotating
SECRET_KEY invalidates every feed URL (people make a new one).
"""

from __future__ import annotations

import hashlib
import uuid

from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from consultations.models import CalendarFeed

from ._common import audit


def _token(feed: CalendarFeed) -> str:
    value = f"{connection.schema_name}:{feed.pk}:{feed.created_at.isoformat()}"  # type: ignore[attr-defined]  # django-tenants' backend
    return salted_hmac("consultations.calendar_feed", value, algorithm="sha256").hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_token(feed: CalendarFeed) -> str:
    """The secret of a live feed (recomputed, never stored)."""
    return _token(feed)


def live_feed(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


@transaction.atomic
def calendar_feed_create(*, user: User) -> tuple[CalendarFeed, str]:
    """A new feed for ``user`` (revoking the live one); returns it with its token."""
    now = timezone.now()
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    # The token depends on the row's id and creation time: insert with a placeholder first.
    feed = CalendarFeed.objects.create(user=user, token_hash=f"pending-{uuid.uuid4().hex}")
    token = _token(feed)
    feed.token_hash = _hash(token)
    feed.save(update_fields=["token_hash"])
    audit(actor=user, action="calendar_feed.create", target=feed.pk)
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> int:
    """Revoke the user's live feed; its URL answers 404 from now on."""
    revoked = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit(actor=user, action="calendar_feed.revoke", target=user.pk)
    return revoked


def feed_by_token(token: str) -> CalendarFeed | None:
    """The live feed this token opens, or None (unknown, malformed or revoked)."""
    if not token or len(token) > 128:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_hash(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not constant_time_compare(_token(feed), token):
        return None
    return feed
