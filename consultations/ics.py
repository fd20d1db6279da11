"""iCalendar (RFC 5545 / iTIP RFC 5546) for consultations: e-mail invitations and the personal feed.

One VEVENT per booking.  Its UID is stable for the booking (schema + id), so a
calendar that received the confirmation (METHOD:REQUEST) removes the same event
when the cancellation (METHOD:CANCEL, STATUS:CANCELLED, a higher SEQUENCE)
arrives.  A reschedule makes a new booking (``rescheduled_from`` the old one):
its event keeps the UID of the first booking of the chain with a higher
SEQUENCE, so the calendar moves the existing event rather than keeping a stale
one.  SEQUENCE is 2 x (reschedules so far), plus 1 once cancelled.  Times are
written in UTC (``...Z``): the calendar shows them in its user's zone, and no
VTIMEZONE is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Booking, Offering

PRODID = "-//Tutornet//Consultations//EN"
# A confirmed booking's event is at sequence 0; its cancellation supersedes it.
SEQUENCE_CONFIRMED = 0
SEQUENCE_CANCELLED = 1


# A reschedule chain longer than this is not followed further (it never is in practice).
MAX_CHAIN = 50


def _chains(bookings: Iterable[Booking]) -> dict[int, tuple[int, int]]:
    """Per booking: (id of the first booking of its reschedule chain, how many reschedules led here).

    One query per step back along the chains, for all the bookings at once (a feed of many
    bookings costs as many queries as its longest chain, not one per step per booking).
    """
    state = {b.pk: (b.pk, 0, b.rescheduled_from_id) for b in bookings}
    for _step in range(MAX_CHAIN):
        wanted = {previous for _root, _depth, previous in state.values() if previous is not None}
        if not wanted:
            break
        parents = dict(Booking.objects.filter(pk__in=wanted).values_list("pk", "rescheduled_from_id"))
        state = {
            pk: (previous, depth + 1, parents.get(previous)) if previous is not None else (root, depth, None)
            for pk, (root, depth, previous) in state.items()
        }
    return {pk: (root, depth) for pk, (root, depth, _previous) in state.items()}


def _chain(booking: Booking) -> tuple[int, int]:
    return _chains([booking])[booking.pk]


def booking_uid(booking: Booking, schema_name: str | None = None) -> str:
    """Stable per booking (and its reschedules); unique across organisations, whose ids repeat."""
    schema = schema_name or connection.schema_name  # type: ignore[attr-defined]  # django-tenants' backend
    root_id, _depth = _chain(booking)
    return f"booking-{root_id}.{schema}@tutornet"


def sequence(booking: Booking, *, cancelled: bool = False) -> int:
    _root, depth = _chain(booking)
    return 2 * depth + (SEQUENCE_CANCELLED if cancelled else SEQUENCE_CONFIRMED)


def summary(booking: Booking) -> str:
    offering = booking.slot.offering
    return _("Consultation: %(subject)s") % {"subject": str(offering)}


def location(booking: Booking) -> str:
    offering = booking.slot.offering
    if offering.mode == Offering.Mode.IN_PERSON:
        return offering.place
    return _("video-conference")


def description(booking: Booking, *, link: str = "") -> str:
    tutor = booking.slot.tutor
    teacher = booking.teacher
    lines = [
        _("Tutor: %(name)s") % {"name": str(tutor)},
        _("Teacher: %(name)s") % {"name": str(teacher)},
        _("Question: %(question)s") % {"question": booking.question},
        _("Where: %(place)s") % {"place": location(booking)},
    ]
    if link:
        lines.append(_("Consultation page: %(link)s") % {"link": link})
    return "\n".join(lines)


# --- the text itself ---------------------------------------------------------------------
#
# The one ICS writer.  The invitations are written here rather than through
# ``icalendar``'s serialiser, which cost about 0.6 ms per file, twice per booking, and
# the two .ics files about 1.3 ms of a booking's notification (bench/README.md 5.1).
# The tests parse every file back with ``icalendar``.


def ics_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _param(value: str) -> str:
    """A parameter value (RFC 5545 3.1): no DQUOTE or control characters; quoted if needed."""
    value = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in value).replace('"', "'")
    if any(ch in value for ch in ":;,"):
        return f'"{value}"'
    return value


def ics_utc(value: datetime) -> str:
    """A DATE-TIME value in UTC (``20261203T120000Z``)."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 3.1), never inside a UTF-8 character."""
    if len(line) <= 75 and line.isascii():
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for ch in line:
        width = len(ch.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # a continuation line starts with a space
        current.append(ch)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def ics_address(name: str, user, role: str) -> str:  # type: ignore[no-untyped-def]
    """An ORGANIZER or ATTENDEE line: the person's name and e-mail, with an optional ROLE."""
    params = f";CN={_param(str(user))}"
    if role:
        params += f";ROLE={role}"
    return f"{name}{params}:mailto:{user.email}"


def _event_lines(
    booking: Booking,
    *,
    link: str = "",
    cancelled: bool = False,
    schema_name: str | None = None,
    chain: tuple[int, int] | None = None,
) -> list[str]:
    cancelled = cancelled or booking.status == Booking.Status.CANCELLED
    root_id, depth = chain or _chain(booking)
    schema = schema_name or connection.schema_name  # type: ignore[attr-defined]  # django-tenants' backend
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{ics_text(summary(booking))}",
        f"DTSTART:{ics_utc(booking.starts_at)}",
        f"DTEND:{ics_utc(booking.ends_at)}",
        f"DTSTAMP:{ics_utc(timezone.now())}",
        f"UID:{ics_text(f'booking-{root_id}.{schema}@tutornet')}",
        f"SEQUENCE:{2 * depth + (SEQUENCE_CANCELLED if cancelled else SEQUENCE_CONFIRMED)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"DESCRIPTION:{ics_text(description(booking, link=link))}",
        f"LOCATION:{ics_text(location(booking))}",
    ]
    if link:
        lines.append(f"URL:{link}")
    lines.append(ics_address("ORGANIZER", booking.slot.tutor, ""))
    lines.append(ics_address("ATTENDEE", booking.teacher, "REQ-PARTICIPANT"))
    lines.append("END:VEVENT")
    return lines


def ics_calendar(head: list[str], events: Iterable[list[str]]) -> str:
    """A whole VCALENDAR (CRLF line ends, folded lines) around ``head`` and the events' lines."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", *head]
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def booking_request(booking: Booking, *, link: str = "") -> str:
    """The invitation sent with a confirmation (METHOD:REQUEST)."""
    return ics_calendar(["METHOD:REQUEST"], [_event_lines(booking, link=link)])


def booking_cancel(booking: Booking, *, link: str = "") -> str:
    """The cancellation of the booking's event (METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE up)."""
    return ics_calendar(["METHOD:CANCEL"], [_event_lines(booking, link=link, cancelled=True)])


def feed_calendar(bookings: Iterable[Booking], *, name: str, link_for=None, extra_events=()) -> str:  # type: ignore[no-untyped-def]
    """A subscription feed (no METHOD: a published calendar, not an invitation).

    ``extra_events``: VEVENT line lists from other apps (``feeds.FEED_SOURCES``)."""
    head = [f"X-WR-CALNAME:{ics_text(name)}", "X-PUBLISHED-TTL:PT1H"]
    bookings = list(bookings)
    chains = _chains(bookings)
    bookings_events = (
        _event_lines(booking, link=link_for(booking) if link_for else "", chain=chains[booking.pk])
        for booking in bookings
    )
    return ics_calendar(head, [*bookings_events, *extra_events])


def local_time(value: datetime, zone) -> str:  # type: ignore[no-untyped-def]
    """How times are written in notifications: the organisation's wall clock."""
    return timezone.localtime(value, zone).strftime("%d.%m.%Y %H:%M")
