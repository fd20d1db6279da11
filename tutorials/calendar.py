"""The district calendar: what the organisation offers in a month or a week, from every source.

Sources: published tutorials (their sessions), group consultations (open group
slots) and Help Hour sessions.  Each gives ``Entry`` rows with a link to the
page that opens it.  A teacher-calendar page with a registry of sources is
being built elsewhere ("ui"); until it is on main, the sources live here, as
plain functions in ``SOURCES``, so moving them to that registry is one line each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from portal.district import go_url

from accounts.models import Membership

from . import selectors
from .models import Session, Tutorial


@dataclass(frozen=True)
class Entry:
    category: str  # a tutorial kind, "consultation" or "help_hour"
    category_label: str
    title: str
    starts_at: datetime
    ends_at: datetime
    url: str
    subject_ids: frozenset[int]


Source = Callable[[datetime, datetime, Membership | None, bool], list[Entry]]


def tutorial_entries(
    start: datetime, end: datetime, membership: Membership | None, staff: bool
) -> list[Entry]:
    tutorials = Tutorial.objects.filter(status=Tutorial.Status.PUBLISHED)
    if not staff:
        tutorials = tutorials.filter(selectors.audience_filter(membership))
    sessions = (
        Session.objects.filter(tutorial__in=tutorials.values("pk"), starts_at__lt=end, ends_at__gt=start)
        .select_related("tutorial")
        .prefetch_related("tutorial__subjects")
        .order_by("starts_at")
    )
    return [
        Entry(
            category=s.tutorial.kind,
            category_label=s.tutorial.get_kind_display(),
            title=s.tutorial.title,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            url=reverse("tutorials:detail", args=[s.tutorial_id]),
            subject_ids=frozenset(subject.pk for subject in s.tutorial.subjects.all()),
        )
        for s in sessions
    ]


def group_consultation_entries(
    start: datetime, end: datetime, membership: Membership | None, staff: bool
) -> list[Entry]:
    from consultations.models import Offering, Slot

    slots = (
        Slot.objects.filter(
            starts_at__lt=end,
            ends_at__gt=start,
            is_cancelled=False,
            offering__format=Offering.Format.GROUP,
            offering__is_active=True,
        )
        .select_related("offering__subject", "tutor")
        .order_by("starts_at")
    )
    return [
        Entry(
            category="consultation",
            category_label=_("group consultation"),
            title=f"{slot.offering.subject} — {slot.tutor}",
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            url=reverse("consultations:book", args=[slot.pk]),
            subject_ids=frozenset({slot.offering.subject_id}),
        )
        for slot in slots
    ]


def help_hour_entries(
    start: datetime, end: datetime, membership: Membership | None, staff: bool
) -> list[Entry]:
    from consultations.help_hour.models import HelpHourSession

    sessions = (
        HelpHourSession.objects.filter(starts_at__lt=end, ends_at__gt=start, closed_at__isnull=True)
        .select_related("subject")
        .order_by("starts_at")
    )
    # Not staff: the Help Hour's own page. On the centre's portal that is its queue, refused to a
    # school's people: theirs is on their school's portal (the portal hop).
    others = reverse("consultations:help_hour:index")
    here = getattr(connection, "tenant", None)
    if membership is not None and here is not None and membership.organisation_id != here.pk:
        others = go_url(membership.organisation_id, others)
    return [
        Entry(
            category="help_hour",
            category_label=_("Help Hour"),
            title=f"{s.subject}{': ' + s.topic if s.topic else ''}",
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            url=(reverse("consultations:help_hour:session", args=[s.pk]) if staff else others),
            subject_ids=frozenset({s.subject_id}),
        )
        for s in sessions
    ]


SOURCES: list[Source] = [tutorial_entries, group_consultation_entries, help_hour_entries]


def entries(
    *,
    start: datetime,
    end: datetime,
    membership: Membership | None,
    staff: bool = False,
    subject_id: int | None = None,
    category: str | None = None,
) -> list[Entry]:
    found = [entry for source in SOURCES for entry in source(start, end, membership, staff)]
    if subject_id:
        found = [e for e in found if subject_id in e.subject_ids]
    if category:
        found = [e for e in found if e.category == category]
    return sorted(found, key=lambda e: (e.starts_at, e.title))


def month_grid(first: date) -> list[list[date]]:
    """The weeks (Monday first) that cover the month of ``first``."""
    start = first.replace(day=1)
    start -= timedelta(days=start.weekday())
    weeks = []
    day = start
    while True:
        weeks.append([day + timedelta(days=i) for i in range(7)])
        day += timedelta(days=7)
        if day.month != first.month and day > first:
            break
    return weeks


def local_bounds(days: list[date], zone) -> tuple[datetime, datetime]:  # type: ignore[no-untyped-def]
    start = timezone.make_aware(datetime.combine(days[0], datetime.min.time()), zone)
    end = timezone.make_aware(datetime.combine(days[-1] + timedelta(days=1), datetime.min.time()), zone)
    return start, end
