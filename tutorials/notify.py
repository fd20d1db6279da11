"""Telling people about tutorials, through the notification outbox (as ``consultations.notify`` does).

Each function runs inside the service's transaction: the rows are the outbox
(ARCHITECTURE 4), written in one INSERT, each in its recipient's language with
times on the organisation's wall clock, and delivered after commit.
Registrations carry an .ics invitation, moves the updated one, cancellations
the .ics that removes the event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from consultations import ics as consultation_ics
from consultations.notify import current_organisation
from notifications.models import Kind, Notification
from notifications.services import notification_build, notifications_create
from tenants.models import Organisation
from tenants.selectors import organisation_url

from . import ics
from .models import Registration, Session, Tutorial

ICS_MIME = "text/calendar; charset=utf-8"

__all__ = ["current_organisation"]


def zone() -> ZoneInfo:
    return current_organisation().zone


def local(value: datetime) -> str:
    return consultation_ics.local_time(value, zone())


def page_path(tutorial: Tutorial) -> str:
    return f"/tutorials/{tutorial.pk}/"


def _facts(tutorial: Tutorial, organisation: Organisation) -> dict[str, str]:
    starts = consultation_ics.local_time(tutorial.starts_at, organisation.zone) if tutorial.starts_at else ""
    return {
        "title": tutorial.title,
        "kind": tutorial.get_kind_display(),
        "when": starts,
        "place": ics.location(tutorial),
        "organisation": organisation.short_name,
    }


def _details(facts: dict[str, str]) -> str:
    return _("%(kind)s «%(title)s»\nWhen: %(when)s\nWhere: %(place)s") % facts


Message = tuple[str, str, tuple[str, str, str] | None]


def _send(
    tutorial: Tutorial,
    people: Iterable[User],
    kind: Kind,
    compose: Callable[[User, dict[str, str], str], Message],
) -> int:
    rows = _build(tutorial, people, kind, compose)
    if rows:
        notifications_create(rows)
    return len(rows)


def _build(
    tutorial: Tutorial,
    people: Iterable[User],
    kind: Kind,
    compose: Callable[[User, dict[str, str], str], Message],
) -> list[Notification]:
    """The outbox rows, built but not written (``notifications_create`` writes them)."""
    organisation = current_organisation()
    link = organisation_url(organisation, page_path(tutorial))
    rows = []
    for user in people:
        with translation.override(user.language):
            subject, body, attachment = compose(user, _facts(tutorial, organisation), link)
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
    return rows


def audience_users(tutorial: Tutorial) -> list[User]:
    """Who is told about a published tutorial: members of this organisation (and, in a centre, of its
    schools) in the tutorial's audience, organisers excluded."""
    organisation = current_organisation()
    memberships = Membership.objects.filter(is_active=True, user__is_active=True)
    if organisation.kind == Organisation.Kind.CENTRE:
        memberships = memberships.filter(
            organisation__centre=organisation, role__in=[Role.TEACHER, Role.TUTOR]
        ) | memberships.filter(organisation=organisation, role=Role.TUTOR)
    else:
        memberships = memberships.filter(organisation=organisation, role__in=[Role.TEACHER, Role.TUTOR])
    if not tutorial.audience_all:
        schools = list(tutorial.audience_schools.values_list("pk", flat=True))
        subjects = list(tutorial.audience_subjects.values_list("pk", flat=True))
        memberships = memberships.filter(organisation__in=schools) | memberships.filter(subjects__in=subjects)
    organisers = set(tutorial.organisers.values_list("pk", flat=True))
    users = (
        User.objects.filter(pk__in=memberships.values("user_id")).exclude(pk__in=organisers).order_by("pk")
    )
    return list(users)


def tutorial_published(tutorial: Tutorial) -> int:
    def compose(user: User, facts: dict[str, str], link: str) -> Message:
        return (
            _("New tutorial: %(title)s, %(when)s") % facts,
            _("A new tutorial is open for registration.") + "\n\n" + _details(facts),
            None,
        )

    return _send(tutorial, audience_users(tutorial), Kind.TUTORIAL_PUBLISHED, compose)


def registration_changed(registration: Registration) -> None:
    """The teacher is told what happened to their registration; a confirmed place comes with the .ics."""
    notifications_create(registration_message(registration.tutorial, registration.user, registration.status))


def registration_message(tutorial: Tutorial, user: User, status: str) -> list[Notification]:
    """The message for a registration in ``status``, built but not written (the registration
    service builds it before it takes the tutorial's row lock, to hold the lock briefly)."""

    def compose(user: User, facts: dict[str, str], link: str) -> Message:
        details = _details(facts)
        if status == Registration.Status.CONFIRMED:
            return (
                _("You are registered: %(title)s, %(when)s") % facts,
                _("Your place is confirmed.") + "\n\n" + details,
                ("tutorial.ics", ics.tutorial_request(tutorial, attendee=user, link=link), ICS_MIME),
            )
        if status == Registration.Status.PENDING:
            return (
                _("Registration received: %(title)s") % facts,
                _("The organiser will confirm your place.") + "\n\n" + details,
                None,
            )
        if status == Registration.Status.WAITLISTED:
            return (
                _("On the waiting list: %(title)s") % facts,
                _(
                    "No places are left; you are on the waiting list. If a place frees up, it will be offered to you."  # noqa: E501
                )
                + "\n\n"
                + details,
                None,
            )
        if status == Registration.Status.REJECTED:
            return (
                _("Registration declined: %(title)s") % facts,
                _("The organiser has declined your registration.") + "\n\n" + details,
                None,
            )
        return (
            _("Registration cancelled: %(title)s") % facts,
            _("Your registration is cancelled.") + "\n\n" + details,
            ("tutorial-cancelled.ics", ics.tutorial_cancel(tutorial, attendee=user, link=link), ICS_MIME),
        )

    return _build(tutorial, [user], Kind.TUTORIAL_REGISTRATION, compose)


def waitlist_offered(registration: Registration) -> None:
    tutorial = registration.tutorial
    expires = local(registration.offer_expires_at) if registration.offer_expires_at else ""

    def compose(user: User, facts: dict[str, str], link: str) -> Message:
        return (
            _("A place is free: %(title)s, %(when)s") % facts,
            _(
                "A place has freed up. Take it on the tutorial's page before %(expires)s, or it goes to the next in line."  # noqa: E501
            )
            % {"expires": expires}
            + "\n\n"
            + _details(facts),
            None,
        )

    _send(tutorial, [registration.user], Kind.TUTORIAL_WAITLIST_OFFER, compose)


def tutorial_cancelled(tutorial: Tutorial, people: list[User], *, actor: User) -> int:
    def compose(user: User, facts: dict[str, str], link: str) -> Message:
        return (
            _("Tutorial cancelled: %(title)s, %(when)s") % facts,
            _("The tutorial is cancelled.")
            + "\n"
            + _("Reason: %(reason)s") % {"reason": tutorial.cancel_reason}
            + "\n\n"
            + _details(facts),
            ("tutorial-cancelled.ics", ics.tutorial_cancel(tutorial, attendee=user, link=link), ICS_MIME),
        )

    return _send(tutorial, people, Kind.TUTORIAL_CHANGED, compose)


def tutorial_moved(
    tutorial: Tutorial, people: list[User], *, old_starts_at: datetime | None, actor: User
) -> int:
    old = local(old_starts_at) if old_starts_at else ""

    def compose(user: User, facts: dict[str, str], link: str) -> Message:
        return (
            _("Tutorial moved to %(when)s: %(title)s") % facts,
            _("The tutorial on %(old)s is moved to %(new)s.") % {"old": old, "new": facts["when"]}
            + "\n\n"
            + _details(facts),
            ("tutorial.ics", ics.tutorial_request(tutorial, attendee=user, link=link), ICS_MIME),
        )

    return _send(tutorial, people, Kind.TUTORIAL_CHANGED, compose)


def tutorial_message(tutorial: Tutorial, people: list[User], *, subject: str, body: str, actor: User) -> int:
    def compose(user: User, facts: dict[str, str], link: str) -> Message:
        return (
            f"{tutorial.title}: {subject}",
            body + "\n\n— " + str(actor) + "\n\n" + _details(facts),
            None,
        )

    return _send(tutorial, people, Kind.TUTORIAL_MESSAGE, compose)


def reminder(registration: Registration, *, hours: int, session: Session | None = None) -> None:
    """A reminder of ``session`` (the first one when None) ``hours`` ahead."""
    when = (
        consultation_ics.local_time(session.starts_at, current_organisation().zone)
        if session is not None
        else None
    )

    def compose(user: User, facts: dict[str, str], link: str) -> Message:
        if when is not None:
            facts = {**facts, "when": when}
        if hours >= 24:
            subject = _("Tomorrow: %(title)s at %(when)s") % facts
        else:
            subject = _("In an hour: %(title)s at %(when)s") % facts
        return subject, _("A reminder of your tutorial.") + "\n\n" + _details(facts), None

    _send(registration.tutorial, [registration.user], Kind.TUTORIAL_REMINDER, compose)
