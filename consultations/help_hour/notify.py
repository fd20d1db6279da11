"""Telling the people a Help Hour step concerns, through the notification outbox.

The services call :func:`transition` inside their transaction, so the
``Notification`` rows commit (and delivery is queued) only with the change
itself (ARCHITECTURE 4).  Who is concerned: the requester, the requesting
school's admins, the participating teachers, the assigned tutor and the
session's tutors; the centre's methodologists too when the school submits or
withdraws (their queue changed).  The actor is not told about their own step.

Exactly one notification per operation and person: an operation on a session
(schedule, merge, held, closed) moves several requests at once, and a person
concerned by several of them gets one message naming them all.

Every message is written in its recipient's language (English msgids, Russian
translations in ``locale/``), times on the centre's wall clock, with a link to
the request's page on the recipient's own site: the school's host for the
school's people, the centre's host for the centre's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from notifications.models import Kind
from notifications.services import notification_create
from tenants.models import Organisation
from tenants.selectors import organisation_url

from .models import HelpHourRequest, HelpHourSession
from .workflow import Action

# Pages the pages engineer serves (consultations/urls.py, prefix /consultations/).
SCHOOL_REQUEST_PATH = "/consultations/help-hour/{id}/"
CENTRE_REQUEST_PATH = "/consultations/help-hour/centre/{id}/"

KINDS: dict[Action, Kind] = {
    Action.SUBMIT: Kind.HELP_HOUR_SUBMITTED,
    Action.RETURN: Kind.HELP_HOUR_RETURNED,
    Action.ACCEPT: Kind.HELP_HOUR_ACCEPTED,
    Action.REJECT: Kind.HELP_HOUR_REJECTED,
    Action.WITHDRAW: Kind.HELP_HOUR_WITHDRAWN,
    Action.ASSIGN_TUTOR: Kind.HELP_HOUR_TUTOR_ASSIGNED,
    Action.SCHEDULE: Kind.HELP_HOUR_SCHEDULED,
    Action.HOLD: Kind.HELP_HOUR_HELD,
    Action.CLOSE: Kind.HELP_HOUR_CLOSED,
}

# The centre's methodologists hear of changes the school makes to their queue.
METHODOLOGISTS_HEAR = frozenset({Action.SUBMIT, Action.WITHDRAW})


@dataclass
class _Recipient:
    user: User
    centre_side: bool
    requests: list[HelpHourRequest] = field(default_factory=list)


def local_time(value: object, centre: Organisation) -> str:
    from datetime import datetime

    assert isinstance(value, datetime)
    return value.astimezone(centre.zone).strftime("%d.%m.%Y %H:%M")


def _school_admins(school_id: int) -> list[User]:
    return [
        m.user
        for m in Membership.objects.select_related("user").filter(
            organisation_id=school_id, role=Role.SCHOOL_ADMIN, is_active=True, user__is_active=True
        )
    ]


def _methodologists(centre: Organisation) -> list[User]:
    return [
        m.user
        for m in Membership.objects.select_related("user").filter(
            organisation=centre, role=Role.METHODOLOGIST, is_active=True, user__is_active=True
        )
    ]


def recipients(
    *, centre: Organisation, requests: Iterable[HelpHourRequest], action: Action, actor: User | None
) -> list[_Recipient]:
    """Everyone the step concerns, once each, with the requests that concern them."""
    found: dict[int, _Recipient] = {}

    def add(user: User | None, request: HelpHourRequest, centre_side: bool) -> None:
        if user is None or not user.is_active or (actor is not None and user.pk == actor.pk):
            return
        entry = found.setdefault(user.pk, _Recipient(user=user, centre_side=centre_side))
        entry.centre_side = entry.centre_side or centre_side
        if request not in entry.requests:
            entry.requests.append(request)

    admins_by_school: dict[int, list[User]] = {}
    methodologists = _methodologists(centre) if action in METHODOLOGISTS_HEAR else []
    for request in requests:
        add(request.requester, request, False)
        if request.organisation_id not in admins_by_school:
            admins_by_school[request.organisation_id] = _school_admins(request.organisation_id)
        for admin in admins_by_school[request.organisation_id]:
            add(admin, request, False)
        for participant in request.participants.all():
            add(participant, request, False)
        add(request.tutor, request, True)
        if request.session is not None:
            for tutor in request.session.tutors.all():
                add(tutor, request, True)
        for methodologist in methodologists:
            add(methodologist, request, True)
    return list(found.values())


def _numbers(requests: Sequence[HelpHourRequest]) -> str:
    return ", ".join(f"№{r.pk}" for r in requests)


def _session_facts(session: HelpHourSession, centre: Organisation) -> str:
    if session.mode == HelpHourSession.Mode.IN_PERSON:
        where = _("in person: %(place)s") % {"place": session.place}
    else:
        where = _("by video; the join link appears on the request's page shortly before the start")
    return _("When: %(starts)s–%(ends)s\nWhere: %(where)s\nTutors: %(tutors)s") % {
        "starts": local_time(session.starts_at, centre),
        "ends": local_time(session.ends_at, centre)[-5:],
        "where": where,
        "tutors": ", ".join(str(t) for t in session.tutors.all()),
    }


def _lead(action: Action, *, resubmitted: bool, comment: str, requests: Sequence[HelpHourRequest]) -> str:
    tutor = requests[0].tutor
    leads = {
        Action.SUBMIT: _("The school has answered and sent the request again.")
        if resubmitted
        else _("The request has been sent to the centre."),
        Action.RETURN: _("The centre asks the school to clarify the request."),
        Action.ACCEPT: _("The centre has accepted the request."),
        Action.REJECT: _("The centre has rejected the request."),
        Action.WITHDRAW: _("The school has withdrawn the request."),
        Action.ASSIGN_TUTOR: _("A tutor has been assigned: %(tutor)s.") % {"tutor": str(tutor or "")},
        Action.SCHEDULE: _("A Help Hour session has been scheduled."),
        Action.HOLD: _("The Help Hour session has been held."),
        Action.CLOSE: _("The Help Hour is closed. The outcome is on the request's page."),
    }
    lines = [leads[action]]
    if comment:
        label = _("Reason") if action == Action.REJECT else _("Comment")
        lines.append(f"{label}: {comment}")
    return "\n".join(lines)


def _request_lines(requests: Sequence[HelpHourRequest]) -> str:
    return "\n".join(
        _("%(number)s, %(school)s: %(subject)s, %(category)s — %(status)s")
        % {
            "number": f"№{r.pk}",
            "school": r.organisation.short_name,
            "subject": str(r.subject),
            "category": r.get_category_display(),
            "status": r.get_status_display(),
        }
        for r in requests
    )


def transition(
    *,
    centre: Organisation,
    requests: Sequence[HelpHourRequest],
    action: Action,
    actor: User | None,
    comment: str = "",
    resubmitted: bool = False,
) -> int:
    """Write one outbox notification per concerned person for this step; returns how many."""
    kind = KINDS[action]
    count = 0
    for recipient in recipients(centre=centre, requests=requests, action=action, actor=actor):
        user = recipient.user
        first = recipient.requests[0]
        if recipient.centre_side:
            link = organisation_url(centre, CENTRE_REQUEST_PATH.format(id=first.pk))
        else:
            link = organisation_url(first.organisation, SCHOOL_REQUEST_PATH.format(id=first.pk))
        with translation.override(user.language):
            numbers = _numbers(recipient.requests)
            subject = _("Help Hour %(numbers)s: %(status)s") % {
                "numbers": numbers,
                "status": first.get_status_display(),
            }
            parts = [
                _lead(action, resubmitted=resubmitted, comment=comment, requests=recipient.requests),
                _request_lines(recipient.requests),
            ]
            session = first.session
            if session is not None and action in (Action.SCHEDULE, Action.HOLD):
                parts.append(_session_facts(session, centre))
            if action == Action.CLOSE and session is not None and session.summary:
                parts.append(_("Summary: %(summary)s") % {"summary": session.summary})
            notification_create(
                kind=kind,
                recipient=user,
                subject=subject,
                body="\n\n".join(parts),
                link=link,
                organisation=centre,
            )
        count += 1
    return count
