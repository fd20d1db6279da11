"""Telling both sides of a consultation what happened, through the notification outbox.

The booking services call these inside their transaction: each writes the
``Notification`` rows there (the outbox, ARCHITECTURE 4), both sides' rows in
one INSERT (``notifications_create``), and delivery is queued on commit;
nothing leaves the building if the booking rolls back.  Every message is
written in its recipient's language, with times on the organisation's wall
clock and a link to the consultation page on the organisation's own site
(teachers: "my consultations", tutors: their calendar).  Confirmations carry
an .ics invitation (METHOD:REQUEST), and cancellations its cancellation
(METHOD:CANCEL), see ``consultations.ics``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Kind
from notifications.services import notification_build, notification_create, notifications_create
from tenants.models import Organisation
from tenants.selectors import organisation_url

from . import ics
from .models import Booking, WaitlistEntry

TEACHER_PAGE = "/consultations/my/"
TUTOR_PAGE = "/consultations/calendar/"
ICS_MIME = "text/calendar; charset=utf-8"


def current_organisation() -> Organisation:
    """The organisation whose schema we are in (a request, ``tenant_context`` or a tenant task)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation):
        return tenant
    # schema_context() sets a FakeTenant that only knows the schema name.
    return Organisation.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]  # django-tenants' backend


def page_link(organisation: Organisation, booking: Booking, user: User) -> str:
    path = TUTOR_PAGE if user.pk == booking.slot.tutor_id else TEACHER_PAGE
    return organisation_url(organisation, path)


def _facts(booking: Booking, organisation: Organisation) -> dict[str, str]:
    return {
        "subject": str(booking.slot.offering),
        "when": ics.local_time(booking.starts_at, organisation.zone),
        "until": ics.local_time(booking.ends_at, organisation.zone)[-5:],
        "tutor": str(booking.slot.tutor),
        "teacher": str(booking.teacher),
        "place": ics.location(booking),
        "question": booking.question,
        "organisation": organisation.short_name,
    }


def _details(facts: dict[str, str]) -> str:
    return (
        _(
            "Subject: %(subject)s\n"
            "When: %(when)s–%(until)s\n"
            "Tutor: %(tutor)s\n"
            "Teacher: %(teacher)s\n"
            "Where: %(place)s\n"
            "Question: %(question)s"
        )
        % facts
    )


# What one side is told: (subject, body, .ics attachment or None), from the booking's facts
# in that person's language and the link to their page.
Message = tuple[str, str, tuple[str, str, str] | None]


def _to_both_sides(booking: Booking, kind: Kind, compose: Callable[[dict[str, str], str], Message]) -> None:
    """One notification to the teacher and one to the tutor, each in their own language (one INSERT)."""
    organisation = current_organisation()
    rows = []
    for user in (booking.teacher, booking.slot.tutor):
        link = page_link(organisation, booking, user)
        with translation.override(user.language):
            subject, body, attachment = compose(_facts(booking, organisation), link)
            rows.append(
                notification_build(
                    kind=kind,
                    recipient=user,
                    subject=subject,
                    body=body,
                    link=link,
                    organisation=organisation,
                    attachment=attachment,
                )
            )
    notifications_create(rows)


def booking_confirmed(booking: Booking) -> None:
    """A new booking: both sides get the details and an .ics invitation."""

    def compose(facts: dict[str, str], link: str) -> Message:
        return (
            _("Consultation booked: %(when)s, %(subject)s") % facts,
            _("The consultation is booked.") + "\n\n" + _details(facts),
            ("consultation.ics", ics.booking_request(booking, link=link), ICS_MIME),
        )

    _to_both_sides(booking, Kind.BOOKING_CONFIRMED, compose)


def booking_cancelled(booking: Booking, actor: User | None) -> None:
    """A cancelled booking: both sides are told who cancelled and why; the .ics removes the event."""

    def compose(facts: dict[str, str], link: str) -> Message:
        lines = [_("The consultation on %(when)s is cancelled.") % facts]
        if actor is not None:
            lines.append(_("Cancelled by: %(name)s") % {"name": str(actor)})
        if booking.cancel_reason:
            lines.append(_("Reason: %(reason)s") % {"reason": booking.cancel_reason})
        return (
            _("Consultation cancelled: %(when)s, %(subject)s") % facts,
            "\n".join(lines) + "\n\n" + _details(facts),
            ("consultation-cancelled.ics", ics.booking_cancel(booking, link=link), ICS_MIME),
        )

    _to_both_sides(booking, Kind.BOOKING_CANCELLED, compose)


def booking_rescheduled(old: Booking, new: Booking, actor: User | None) -> None:
    """A booking moved to another slot: both sides get the new time and an .ics that moves the event.

    The new booking's event keeps the old one's UID with a higher SEQUENCE (see
    ``ics.booking_uid``), so the REQUEST updates the event already in the
    calendar instead of leaving the old one behind.
    """

    def compose(facts: dict[str, str], link: str) -> Message:
        old_when = _facts(old, current_organisation())["when"]
        moved = {"old": old_when, "new": facts["when"]}
        lines = [_("The consultation on %(old)s is moved to %(new)s.") % moved]
        if actor is not None:
            lines.append(_("Moved by: %(name)s") % {"name": str(actor)})
        if old.cancel_reason:
            lines.append(_("Reason: %(reason)s") % {"reason": old.cancel_reason})
        return (
            _("Consultation moved to %(when)s, %(subject)s") % facts,
            "\n".join(lines) + "\n\n" + _details(facts),
            ("consultation.ics", ics.booking_request(new, link=link), ICS_MIME),
        )

    _to_both_sides(new, Kind.BOOKING_RESCHEDULED, compose)


def waitlist_offered(entry: WaitlistEntry) -> None:
    """A place freed up in a full group slot: the waitlisted teacher may take it until the offer expires.

    No .ics here: an offer is not yet an appointment.  If the teacher accepts,
    ``booking_confirmed`` sends the invitation.
    """
    organisation = current_organisation()
    teacher = entry.teacher
    slot = entry.slot
    link = organisation_url(organisation, TEACHER_PAGE)
    with translation.override(teacher.language):
        facts = {
            "subject": str(slot.offering),
            "when": ics.local_time(slot.starts_at, organisation.zone),
            "tutor": str(slot.tutor),
            "expires": "",
        }
        if entry.offer_expires_at is not None:
            facts["expires"] = ics.local_time(entry.offer_expires_at, organisation.zone)
        body = _("A place is free in the consultation %(subject)s on %(when)s with %(tutor)s.") % facts
        if facts["expires"]:
            body += (
                "\n"
                + _(
                    "Confirm it on the consultations page before %(expires)s, or it goes to the next in line."
                )
                % facts
            )
        notification_create(
            kind=Kind.WAITLIST_OFFER,
            recipient=teacher,
            subject=_("A place is free: %(when)s, %(subject)s") % facts,
            body=body,
            link=link,
            organisation=organisation,
        )


def booking_reminder(booking: Booking, *, hours: int) -> None:
    """The reminder ``hours`` before the start, to both sides (sent by ``consultations.tasks``)."""

    def compose(facts: dict[str, str], link: str) -> Message:
        if hours >= 24:
            subject = _("Tomorrow: consultation at %(when)s, %(subject)s") % facts
        else:
            subject = _("In an hour: consultation at %(when)s, %(subject)s") % facts
        return subject, _("A reminder of your consultation.") + "\n\n" + _details(facts), None

    _to_both_sides(booking, Kind.CONSULTATION_REMINDER, compose)
