"""iCalendar for tutorials, written by the consultations' ICS writer (``consultations.ics``).

One VEVENT per session.  Its UID is stable for the tutorial and the session's
place in the series (schema + tutorial id + ordinal), and the tutorial's
``sequence`` goes up with every move or cancellation, so the calendar that got
the invitation moves or removes the same events.  Times are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from consultations import ics as consultation_ics

from .models import Tutorial

PRODID_NOTE = "tutorials use consultations.ics' writer (PRODID -//Tutornet//Consultations//EN)"


def location(tutorial: Tutorial) -> str:
    if tutorial.has_place and tutorial.has_video:
        return f"{tutorial.place}; " + _("video-conference")
    if tutorial.has_place:
        return tutorial.place
    return _("video-conference")


def uid(tutorial: Tutorial, ordinal: int, schema_name: str | None = None) -> str:
    schema = schema_name or connection.schema_name  # type: ignore[attr-defined]  # django-tenants' backend
    return f"tutorial-{tutorial.pk}-{ordinal}.{schema}@tutornet"


def _event_lines(
    tutorial: Tutorial, *, attendee: User | None, link: str, cancelled: bool, schema_name: str | None = None
) -> list[list[str]]:
    text = consultation_ics.ics_text
    utc = consultation_ics.ics_utc
    cancelled = cancelled or tutorial.status == Tutorial.Status.CANCELLED
    description = tutorial.get_kind_display().capitalize() + ": " + tutorial.title
    if link:
        description += "\n" + _("Tutorial page: %(link)s") % {"link": link}
    organiser = tutorial.organisers.order_by("pk").first()
    events = []
    for ordinal, session in enumerate(tutorial.sessions.order_by("starts_at"), start=1):
        lines = [
            "BEGIN:VEVENT",
            f"SUMMARY:{text(tutorial.title)}",
            f"DTSTART:{utc(session.starts_at)}",
            f"DTEND:{utc(session.ends_at)}",
            f"DTSTAMP:{utc(timezone.now())}",
            f"UID:{text(uid(tutorial, ordinal, schema_name))}",
            f"SEQUENCE:{tutorial.sequence * 2 + (1 if cancelled else 0)}",
            f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
            f"DESCRIPTION:{text(description)}",
            f"LOCATION:{text(location(tutorial))}",
        ]
        if link:
            lines.append(f"URL:{link}")
        if organiser is not None:
            lines.append(consultation_ics.ics_address("ORGANIZER", organiser, ""))
        if attendee is not None:
            lines.append(consultation_ics.ics_address("ATTENDEE", attendee, "REQ-PARTICIPANT"))
        lines.append("END:VEVENT")
        events.append(lines)
    return events


def tutorial_request(tutorial: Tutorial, *, attendee: User | None, link: str = "") -> str:
    """The invitation (METHOD:REQUEST): on registration and after a move."""
    return consultation_ics.ics_calendar(
        ["METHOD:REQUEST"], _event_lines(tutorial, attendee=attendee, link=link, cancelled=False)
    )


def tutorial_cancel(tutorial: Tutorial, *, attendee: User | None, link: str = "") -> str:
    """Removes the events (METHOD:CANCEL): the tutorial is cancelled or the person's registration is."""
    return consultation_ics.ics_calendar(
        ["METHOD:CANCEL"], _event_lines(tutorial, attendee=attendee, link=link, cancelled=True)
    )


def feed_lines(tutorials: Iterable[Tutorial], *, link_for=None) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """VEVENT blocks for the personal feed (no attendee: a published calendar)."""
    events: list[list[str]] = []
    for tutorial in tutorials:
        events.extend(
            _event_lines(
                tutorial, attendee=None, link=link_for(tutorial) if link_for else "", cancelled=False
            )
        )
    return events


def feed_events(user: User, organisation, since) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The person's tutorials here for the personal feed (``consultations.feeds.FEED_SOURCES``):
    those they are registered for and those they organise, not cancelled, from ``since``."""
    from tenants.selectors import organisation_url

    from .models import Registration

    registered = Registration.objects.filter(user=user, status=Registration.Status.CONFIRMED).values(
        "tutorial_id"
    )
    tutorials = (
        Tutorial.objects.filter(status=Tutorial.Status.PUBLISHED, ends_at__gte=since)
        .filter(models.Q(pk__in=registered) | models.Q(organisers=user))
        .distinct()
        .prefetch_related("sessions", "organisers")
        .order_by("starts_at")
    )
    return feed_lines(tutorials, link_for=lambda t: organisation_url(organisation, f"/tutorials/{t.pk}/"))
