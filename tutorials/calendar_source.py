"""The person's tutorials in the in-app calendar (``/my/calendar/``, ``portal.calendar_sources``):
the sessions of the tutorials they hold a place in or organise, on this portal and, from a
school's portal, on its centre's (where the district's tutorials are held)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django_tenants.utils import tenant_context
from portal import calendar_sources, district

from .models import Registration, Session, Tutorial


def _events(
    user_id: int, start: datetime, end: datetime, *, link: Callable[[str], str]
) -> list[calendar_sources.Event]:
    """Sessions overlapping [start, end) of the person's tutorials in the active schema: 1 query."""
    holds_place = Registration.objects.filter(
        tutorial_id=OuterRef("tutorial_id"), user_id=user_id, status__in=Registration.HOLDING
    )
    organisers = Tutorial.organisers.through.objects
    organises = organisers.filter(tutorial_id=OuterRef("tutorial_id"), user_id=user_id)
    sessions = (
        Session.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .filter(tutorial__status=Tutorial.Status.PUBLISHED)
        .annotate(holds_place=Exists(holds_place), organises=Exists(organises))
        .filter(Q(holds_place=True) | Q(organises=True))
        .select_related("tutorial")
        .order_by("starts_at")[:200]
    )
    events = []
    for session in sessions:
        tutorial = session.tutorial
        events.append(
            calendar_sources.Event(
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                title=tutorial.title,
                kind="tutorial",
                kind_label=tutorial.get_kind_display().capitalize(),
                url=link(f"/tutorials/{tutorial.pk}/"),
                detail=tutorial.place,
            )
        )
    return events


def my_tutorials(request: HttpRequest, start: datetime, end: datetime) -> list[calendar_sources.Event]:
    user = request.user
    if not user.is_authenticated:
        return []
    events = _events(user.pk, start, end, link=lambda path: path)
    centre = district.centre_of(district.current())
    if centre is not None:
        with tenant_context(centre):
            events += _events(user.pk, start, end, link=lambda path: district.go_url(centre, path))
    return events
