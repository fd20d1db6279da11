"""Reminders 24 hours and 1 hour before a consultation, sent by the beat sweep (consultations.tasks).

Invariant: each reminder of a booking is sent at most once, even with several
workers sweeping at the same time.  A booking is claimed by one conditional
UPDATE (``... WHERE reminder_24h_sent_at IS NULL ... RETURNING id``, with
``FOR UPDATE SKIP LOCKED`` on the candidates) in the same transaction that
writes its notifications: a second sweep either skips the rows the first one
holds or, after the first commits, no longer finds them due; if writing the
notifications fails, the claim rolls back with them and the next sweep retries.

The rule is state-based, not a point in time: a reminder is due while the
start is within its lead time and its ``*_sent_at`` is NULL, so a sweep after a
worker outage still sends what was missed.

"24 hours before" means 24 real hours (elapsed UTC time), not the same wall
clock time the day before: across a daylight-saving change the reminder comes
at 09:00 or 11:00 local for a 10:00 consultation (23 or 25 wall-clock hours).

Not sent: for a cancelled booking or a cancelled slot; once the consultation
has started; when the booking was made less than an hour before the
reminder's moment (the confirmation has just told them); and the 24-hour one
when the 1-hour one is already due (after an outage: one reminder, not two).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from consultations.models import Booking, Slot

# (lead time, column that records the sending); the shorter lead first so that
# after an outage the 1-hour reminder wins over the 24-hour one.
REMINDERS: tuple[tuple[timedelta, str], ...] = (
    (timedelta(hours=1), "reminder_1h_sent_at"),
    (timedelta(hours=24), "reminder_24h_sent_at"),
)
# A booking made less than this before a reminder's moment gets no such reminder.
FRESH_BOOKING = timedelta(hours=1)
BATCH = 200


def _claim(*, column: str, lead: timedelta, now: datetime, limit: int) -> list[int]:
    """Mark up to ``limit`` due bookings as reminded (``column = now``) and return their ids."""
    if column not in {c for _lead, c in REMINDERS}:  # the column name goes into the SQL text
        raise ValueError(column)
    booking = Booking._meta.db_table
    slot = Slot._meta.db_table
    # The 24-hour reminder is not sent once the 1-hour one is due.
    not_within = timedelta(hours=1) if lead > timedelta(hours=1) else timedelta(0)
    sql = f"""
        UPDATE {booking} SET {column} = %(now)s
        WHERE id IN (
            SELECT b.id FROM {booking} b JOIN {slot} s ON s.id = b.slot_id
            WHERE b.status = %(confirmed)s
              AND NOT s.is_cancelled
              AND b.{column} IS NULL
              AND b.starts_at > %(now)s + %(not_within)s
              AND b.starts_at <= %(now)s + %(lead)s
              AND b.created_at <= b.starts_at - %(lead)s - %(fresh)s
            ORDER BY b.starts_at
            LIMIT %(limit)s
            FOR UPDATE OF b SKIP LOCKED
        )
        AND {column} IS NULL AND status = %(confirmed)s
        RETURNING id
    """  # noqa: S608 (table and column names come from the model and REMINDERS)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "now": now,
                "confirmed": Booking.Status.CONFIRMED,
                # psycopg adapts timedelta to an interval (django-stubs' params type omits it).
                "not_within": not_within,  # type: ignore[dict-item]
                "lead": lead,  # type: ignore[dict-item]
                "fresh": FRESH_BOOKING,  # type: ignore[dict-item]
                "limit": limit,
            },
        )
        return [row[0] for row in cursor.fetchall()]


def reminders_send(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Send every due reminder in the current organisation's schema; returns how many bookings.

    Each batch is one transaction: the claim and the notifications commit
    together (the notifications' delivery is queued on commit).
    """
    from consultations import notify

    now = now or timezone.now()
    sent = 0
    for lead, column in REMINDERS:
        while True:
            with transaction.atomic():
                ids = _claim(column=column, lead=lead, now=now, limit=batch)
                bookings = Booking.objects.filter(pk__in=ids).select_related(
                    "teacher", "slot__tutor", "slot__offering__subject"
                )
                for booking in bookings:
                    notify.booking_reminder(booking, hours=round(lead.total_seconds() / 3600))
            sent += len(ids)
            if len(ids) < batch:
                break
    return sent
