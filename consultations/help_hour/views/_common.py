"""What the Help Hour pages share: who may open them, the menu's context, small helpers, the index."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from tenants.models import Organisation
from tutornet.errors import TutornetError
from tutornet.pages import allowed, forbidden, form_error, signed_in

from .. import permissions, selectors
from ..models import HelpHourRequest, HelpHourSession, Status
from ..workflow import Action

View = Callable[..., HttpResponseBase]
EDITABLE = (Status.DRAFT, Status.NEEDS_CLARIFICATION)
# The triage steps a methodologist takes on the request's page (scheduling has its own page).
TRIAGE = (Action.ACCEPT, Action.REJECT, Action.RETURN, Action.ASSIGN_TUTOR)


# --- helpers ---------------------------------------------------------------------------------


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _organisation(request: HttpRequest) -> Organisation:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


def _allowed(
    predicate: Callable[[Membership | None], bool], message: Callable[[], str]
) -> Callable[[View], View]:
    """``tutornet.pages.allowed`` on this site's membership: sign-in, permission, refusals handled."""
    return allowed(lambda request: predicate(_membership(request)), message)


def _centre_person(membership: Membership | None) -> bool:
    return permissions.can_see_centre_figures(membership) or permissions.is_centre_tutor(membership)


school_staff_only = _allowed(
    permissions.is_school_staff,
    lambda: _("Help Hour requests are filed by a school's staff on the school's site."),
)
filers_only = _allowed(
    permissions.can_file_request,
    lambda: _("Help Hour requests are filed by a school's teachers and administrators."),
)
centre_people_only = _allowed(
    _centre_person, lambda: _("This page is for the centre's methodologists and tutors.")
)
centre_staff_only = _allowed(
    permissions.can_see_centre_figures, lambda: _("This page is for the centre's methodologists.")
)
methodologists_only = _allowed(
    permissions.is_methodologist, lambda: _("This page is for the centre's methodologists.")
)
tutors_only = _allowed(permissions.is_centre_tutor, lambda: _("This page is for the centre's tutors."))


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    membership = _membership(request)
    context = {
        "zone": _organisation(request).zone,
        "is_school_side": permissions.is_school_staff(membership),
        "can_file": permissions.can_file_request(membership),
        "is_centre_staff": permissions.can_see_centre_figures(membership),
        "is_methodologist": permissions.is_methodologist(membership),
        "is_tutor": permissions.is_centre_tutor(membership),
        **context,
    }
    return render(request, template, context, status=status)


def _form_error(form: Any, exc: TutornetError, formset: Any = None) -> None:
    """``form_error``, except that the preferred times' errors go on their formset."""
    if formset is not None and exc.field == "preferred_times":
        formset._non_form_errors = formset.error_class([exc.message])
    else:
        form_error(form, exc)


def _ints(values: list[str]) -> list[int]:
    result = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < number < 2**63:  # beyond PostgreSQL's bigint an id is simply absent
            result.append(number)
    return result


def _local(value: datetime, request: HttpRequest) -> str:
    return timezone.localtime(value, _organisation(request).zone).strftime("%d.%m.%Y %H:%M")


def _timeline(help_request: HelpHourRequest) -> list[dict[str, Any]]:
    """The request's events with readable labels (actions and statuses are choices)."""
    labels = dict(Action.choices)
    statuses = dict(Status.choices)
    return [
        {
            "at": event.at,
            "actor": event.actor,
            "action": labels.get(event.action, event.action),
            "action_code": event.action,
            "from_status": statuses.get(event.from_status, ""),
            "to_status": statuses.get(event.to_status, event.to_status),
            "comment": event.comment,
        }
        for event in help_request.events.all()
    ]


def _file_response(opened: tuple[Any, str]) -> FileResponse:
    stream, name = opened
    return FileResponse(stream, as_attachment=True, filename=name)


def _join_state(request: HttpRequest, session: HelpHourSession | None, now: datetime) -> dict[str, Any]:
    """Whether this person gets the join link now, or when it appears (video sessions, participants)."""
    state: dict[str, Any] = {"join_url": None, "join_opens_at": None, "join_ended": False}
    if session is None or session.mode != HelpHourSession.Mode.VIDEO or session.closed_at is not None:
        return state
    if not permissions.can_join_session(request.user, session):
        return state
    membership = _membership(request)
    assert membership is not None
    state["join_url"] = selectors.session_join_url(
        session_id=session.pk, actor=_user(request), membership=membership, now=now
    )
    if state["join_url"] is None:
        if now > session.ends_at:
            state["join_ended"] = True
        else:
            state["join_opens_at"] = session.starts_at - timedelta(minutes=settings.VIDEO_JOIN_OPENS_MINUTES)
    return state


def _participants(session: HelpHourSession) -> list[dict[str, Any]]:
    """Everyone taking part, from all the merged requests, once each, with their school."""
    seen: dict[int, dict[str, Any]] = {}
    for help_request in session.requests.all():
        for person in help_request.participants.all():
            seen.setdefault(person.pk, {"person": person, "school": help_request.organisation.short_name})
    return sorted(seen.values(), key=lambda row: (row["school"], str(row["person"])))


# --- the index -------------------------------------------------------------------------------


@signed_in
def index(request: HttpRequest) -> HttpResponse:
    """/help-hour/: the school's requests (school's site); the queue or the tutor's list (centre's)."""
    membership = _membership(request)
    if permissions.is_school_staff(membership):
        return redirect("consultations:help_hour:school-list")
    if permissions.can_see_centre_figures(membership):
        return redirect("consultations:help_hour:queue")
    if permissions.is_centre_tutor(membership):
        return redirect("consultations:help_hour:tutor")
    return forbidden(
        request, _("The Help Hour is for the staff of the district's schools and of its centre.")
    )


def _request_or_404(request: HttpRequest, request_id: int) -> HelpHourRequest:
    """A request the signed-in person may see, on the school's or the centre's site."""
    membership = _membership(request)
    assert membership is not None
    return selectors.request_detail(request_id=request_id, actor=_user(request), membership=membership)
