"""Deadline reminders of plan items, sent by the beat sweep (``tasks.reminders_sweep``).

Two reminders per item and deadline, to the teacher and to the route's tutor:
* "due soon" while the deadline is within ``DUE_SOON_DAYS`` days (today included);
* "overdue" once the deadline has passed and the item is still planned or in progress.

Only items that are part of an agreed plan are reminded: the route is agreed, approved or
active, and the item is not a proposal waiting for a decision nor a dropped one.  "Today" is
the organisation's wall-clock date.

Invariant: each reminder (item, kind, deadline) goes out at most once, whatever the number of
workers.  It is claimed by ``INSERT … ON CONFLICT DO NOTHING RETURNING`` into
:class:`ItemReminder`, whose unique constraint decides; the claim and the notifications are
one transaction, so a failure rolls both back and the next sweep retries.  A moved deadline is
a new deadline and is reminded again.  The rule is state-based: after a worker outage the
next sweep sends what was missed (and an item whose deadline passed meanwhile gets the
"overdue" reminder only, not both).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from notifications.models import Kind
from notifications.services import notification_build, notifications_create
from tenants.selectors import organisation_url

from . import services
from .models import PlanItem, Route, Status
from .models_comments import ItemReminder

DUE_SOON_DAYS = 3
BATCH = 500
OPEN_ROUTES = (Status.AGREED, Status.APPROVED, Status.ACTIVE)
OPEN_ITEMS = (PlanItem.ItemStatus.PLANNED, PlanItem.ItemStatus.IN_PROGRESS)


def _claim(*, kind: str, today: date, now: datetime, limit: int) -> list[int]:
    """Record up to ``limit`` due reminders of ``kind`` and return their items' ids."""
    if kind == ItemReminder.Kind.OVERDUE:
        due = "i.deadline < %(today)s"
    elif kind == ItemReminder.Kind.DUE_SOON:
        due = "i.deadline >= %(today)s AND i.deadline <= %(soon)s"
    else:
        raise ValueError(kind)
    reminder, item, route = ItemReminder._meta.db_table, PlanItem._meta.db_table, Route._meta.db_table
    sql = f"""
        INSERT INTO {reminder} (item_id, kind, deadline, sent_at)
        SELECT i.id, %(kind)s, i.deadline, %(now)s
        FROM {item} i JOIN {route} r ON r.id = i.route_id
        WHERE r.status = ANY(%(routes)s) AND i.status = ANY(%(items)s)
          AND i.proposal IN ('', %(accepted)s) AND i.deadline IS NOT NULL AND {due}
          AND NOT EXISTS (
              SELECT 1 FROM {reminder} x
              WHERE x.item_id = i.id AND x.kind = %(kind)s AND x.deadline = i.deadline
          )
        ORDER BY i.deadline, i.id
        LIMIT %(limit)s
        ON CONFLICT (item_id, kind, deadline) DO NOTHING
        RETURNING item_id
    """  # noqa: S608 (table names from the models; the condition from the two above)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "kind": kind,
                "now": now,
                "today": today,
                "soon": today + timedelta(days=DUE_SOON_DAYS - 1),
                "routes": list(OPEN_ROUTES),
                "items": list(OPEN_ITEMS),
                "accepted": PlanItem.Proposal.ACCEPTED,
                "limit": limit,
            },
        )
        return [row[0] for row in cursor.fetchall()]


def _notify(kind: str, items: list[PlanItem]) -> int:
    """One notification per person (the teacher, the tutor) for this batch's items of ``kind``."""
    organisation = services._organisation()
    per_person: dict[int, list[PlanItem]] = defaultdict(list)
    people: dict[int, User] = {}
    for item in items:
        for person in (item.route.teacher, item.route.tutor):
            if person is not None and person.is_active:
                per_person[person.pk].append(item)
                people[person.pk] = person
    rows = []
    for pk, theirs in per_person.items():
        person = people[pk]
        mine = all(i.route.teacher_id == pk for i in theirs)
        link = organisation_url(organisation, f"/routes/{theirs[0].route_id}/#plan" if mine else "/routes/")
        with translation.override(person.language):
            if kind == ItemReminder.Kind.OVERDUE:
                subject = ngettext(
                    "A task of a professional route is overdue",
                    "%(count)s tasks of professional routes are overdue",
                    len(theirs),
                ) % {"count": len(theirs)}
            else:
                subject = ngettext(
                    "A deadline of a professional route is near",
                    "%(count)s deadlines of professional routes are near",
                    len(theirs),
                ) % {"count": len(theirs)}
            lines = [
                _("%(deadline)s — %(task)s (%(teacher)s)")
                % {
                    "deadline": i.deadline.strftime("%d.%m.%Y"),
                    "task": i.task[:200],
                    "teacher": i.route.teacher,
                }
                for i in theirs
                if i.deadline
            ]
            rows.append(
                notification_build(
                    kind=Kind.ROUTE_DEADLINE,
                    recipient=person,
                    subject=subject,
                    body="\n".join(lines),
                    link=link,
                    organisation=organisation,
                )
            )
    notifications_create(rows)
    return len(rows)


def reminders_send(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Send every due deadline reminder in the current organisation's schema; returns how many
    items were reminded.  Each batch is one transaction (claim and notifications together)."""
    now = now or timezone.now()
    today = timezone.localdate(now, services._organisation().zone)
    sent = 0
    # Overdue first: after an outage an item whose deadline passed gets that reminder, not both.
    for kind in (ItemReminder.Kind.OVERDUE, ItemReminder.Kind.DUE_SOON):
        while True:
            with transaction.atomic():
                ids = _claim(kind=kind, today=today, now=now, limit=batch)
                items = list(
                    PlanItem.objects.filter(pk__in=ids)
                    .select_related("route__teacher", "route__tutor")
                    .order_by("deadline", "pk")
                )
                if items:
                    _notify(kind, items)
            sent += len(ids)
            if len(ids) < batch:
                break
    return sent
