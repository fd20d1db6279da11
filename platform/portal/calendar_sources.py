"""The person's calendar: a small registry of event sources, like ``tutornet.panels``.

A feature adds its events (tutorials, campaign windows...) by registering a function,
in its ``AppConfig.ready()``::

    from portal import calendar_sources

    def my_tutorials(request, start, end):
        return [calendar_sources.Event(starts_at=..., ends_at=..., title=..., kind="tutorial",
                                       url=..., detail=...) for t in tutorials_of(request.user, start, end)]

    calendar_sources.register(my_tutorials)

Each function returns the person's events that overlap [start, end) — in a fixed,
small number of queries (the calendar page's query count is asserted) — or ``[]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import Organisation

from . import district


@dataclass(frozen=True)
class Event:
    starts_at: datetime
    ends_at: datetime
    title: str
    kind: str  # a CSS-friendly word: consultation, tutor-consultation, help-hour, ...
    kind_label: str
    url: str = ""
    detail: str = ""


Source = Callable[[HttpRequest, datetime, datetime], list[Event]]
_registry: dict[str, Source] = {}


def register(function: Source) -> Source:
    _registry[f"{function.__module__}.{function.__qualname__}"] = function
    return function


def events_for(request: HttpRequest, start: datetime, end: datetime) -> list[Event]:
    events = [event for function in _registry.values() for event in function(request, start, end)]
    return sorted(events, key=lambda e: (e.starts_at, e.title))


# --- the sources that exist today -------------------------------------------------------------


def _consultation_events(
    user_id: int, start: datetime, end: datetime, *, link: Callable[[str], str]
) -> list[Event]:
    """The person's consultations in the active schema, as teacher and as tutor: 1 query."""
    from consultations.models import Booking

    bookings = (
        Booking.objects.filter(
            Q(teacher_id=user_id) | Q(slot__tutor_id=user_id), starts_at__lt=end, ends_at__gt=start
        )
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("slot__offering__subject", "slot__tutor", "teacher")
        .order_by("starts_at")[:300]
    )
    events = []
    for booking in bookings:
        as_tutor = booking.slot.tutor_id == user_id
        subject = str(booking.slot.offering.subject)
        events.append(
            Event(
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                title=subject,
                kind="tutor-consultation" if as_tutor else "consultation",
                kind_label=_("I lead the consultation") if as_tutor else _("Consultation"),
                url=link("/consultations/calendar/" if as_tutor else "/consultations/my/"),
                detail=(booking.teacher.get_full_name() if as_tutor else booking.slot.tutor.get_full_name()),
            )
        )
    return events


def consultations(request: HttpRequest, start: datetime, end: datetime) -> list[Event]:
    user = request.user
    if not user.is_authenticated:
        return []
    here = district.current()
    events = _consultation_events(user.pk, start, end, link=lambda path: path)
    centre = district.centre_of(here)
    if centre is not None:
        with tenant_context(centre):
            events += _consultation_events(
                user.pk, start, end, link=lambda path: district.go_url(centre, path)
            )
    return events


def _help_hour_events(
    user_id: int,
    start: datetime,
    end: datetime,
    *,
    link: Callable[[str], str],
    taking_part: str = "/consultations/help-hour/",
) -> list[Event]:
    """Help Hour sessions the person leads or takes part in (in the active schema): 1 query.
    A session led links to its page at the centre; one taken part in to ``taking_part``, where
    the person follows their school's requests."""
    from django.db.models import Exists, OuterRef

    from consultations.help_hour.models import HelpHourSession

    sessions = (
        HelpHourSession.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .filter(
            Q(tutors__id=user_id) | Q(requests__participants__id=user_id) | Q(requests__requester_id=user_id)
        )
        .annotate(
            leads=Exists(
                HelpHourSession.tutors.through.objects.filter(
                    helphoursession_id=OuterRef("pk"), user_id=user_id
                )
            )
        )
        .select_related("subject")
        .distinct()
        .order_by("starts_at")[:200]
    )
    return [
        Event(
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            title=f"{session.subject}{': ' + session.topic if session.topic else ''}",
            kind="help-hour",
            kind_label=_("Help Hour session"),
            url=link(f"/consultations/help-hour/centre/sessions/{session.pk}/")
            if session.leads
            else taking_part,
            detail=session.place or session.get_mode_display(),
        )
        for session in sessions
    ]


def help_hour(request: HttpRequest, start: datetime, end: datetime) -> list[Event]:
    user = request.user
    if not user.is_authenticated:
        return []
    here = district.current()
    if here is None:
        return []
    if here.kind == Organisation.Kind.CENTRE:
        # On the centre's portal its Help Hour is the centre's queue: a school's teacher or admin
        # follows their requests on their school's portal (the portal hop).
        own = getattr(request, "district_membership", None)  # a school's, or the centre's own
        school_id = own.organisation_id if own is not None and own.organisation_id != here.pk else None
        taking_part = "/consultations/help-hour/"
        if school_id is not None:
            taking_part = district.go_url(school_id, taking_part)
        return _help_hour_events(user.pk, start, end, link=lambda path: path, taking_part=taking_part)
    centre = district.centre_of(here)
    if centre is None:
        return []
    with tenant_context(centre):
        return _help_hour_events(user.pk, start, end, link=lambda path: district.go_url(centre, path))


def register_all() -> None:
    register(consultations)
    register(help_hour)
