"""The Help Hour pages, under /consultations/help-hour/ on an organisation's site.

* On a school's site its staff file requests, follow them (status, timeline,
  session, outcome), answer clarifications, withdraw, join and rate.
* On the centre's site the methodologists work the queue, schedule and merge
  sessions and see the figures; tutors see their requests and sessions, mark
  them held, record the outcome and close them.

Views are thin: ``permissions`` decides who may open a page, one service or
selector does the work (they enter the centre's schema themselves), a
``TutornetError`` becomes a form error or a message, a missing or another
school's request a 404 and a refused action a 403 page; never a 500.  The
actor's ``membership`` is the one of this site's organisation
(``request.membership``).  Times are shown in this organisation's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Membership, User
from consultations import video
from tenants.models import Organisation
from tenants.selectors import schools_of
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError
from tutornet.pages import allowed, forbidden, form_error, refused, signed_in

from . import permissions, selectors, services
from .forms import (
    AssignTutorForm,
    CommentForm,
    OutcomeForm,
    PeriodForm,
    PreferredTimeFormSet,
    QueueFilterForm,
    RatingForm,
    RequestForm,
    ScheduleForm,
    preferred_initial,
)
from .models import HelpHourExport, HelpHourRequest, HelpHourSession, Status
from .workflow import Action, allowed_actions

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


# --- the school's side -----------------------------------------------------------------------


@school_staff_only
def school_list(request: HttpRequest) -> HttpResponse:
    """The school's requests with their status (admins: all of them; teachers: theirs)."""
    membership = _membership(request)
    assert membership is not None
    status = request.GET.get("status") or None
    if status not in Status.values:
        status = None
    rows = selectors.school_requests(actor=_user(request), membership=membership, status=status)
    context = {"rows": rows, "status": status, "statuses": Status.choices}
    return _render(request, "help_hour/school_list.html", context)


def _preferred(formset: Any) -> list[dict[str, str]]:
    return [value for form in formset.forms if (value := form.as_value()) is not None]


@filers_only
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """File a request: "Save draft" keeps it at the school, "Send" sends it to the centre."""
    membership = _membership(request)
    assert membership is not None
    staff = selectors.school_staff(school=membership.organisation)
    post = request.method == "POST"
    form = RequestForm(
        request.POST if post else None,
        request.FILES if post else None,
        staff=staff,
        initial={"participants": [request.user.pk]},
    )
    formset = PreferredTimeFormSet(request.POST if post else None, prefix="times")
    if post and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        send = "send" in request.POST
        try:
            created = services.request_create(
                actor=_user(request),
                membership=membership,
                subject=data["subject"],
                category=data["category"],
                description=data["description"],
                participant_ids=data["participants"],
                preferred_times=_preferred(formset),
                document=data.get("document") or None,
                submit=send,
            )
        except TutornetError as exc:
            _form_error(form, exc, formset)
        else:
            messages.success(
                request,
                _("The request is sent to the centre.")
                if send
                else _("The draft is saved. Send it when it is ready."),
            )
            return redirect("consultations:help_hour:school-request", request_id=created.pk)
    context = {"form": form, "formset": formset, "editing": None}
    return _render(request, "help_hour/request_form.html", context)


def _request_or_404(request: HttpRequest, request_id: int) -> HelpHourRequest:
    """A request the signed-in person may see, on the school's or the centre's site."""
    membership = _membership(request)
    assert membership is not None
    return selectors.request_detail(request_id=request_id, actor=_user(request), membership=membership)


@school_staff_only
@require_http_methods(["GET", "POST"])
def request_edit(request: HttpRequest, request_id: int) -> HttpResponse:
    """Change a draft, or a request returned for clarification; "Send" sends it after saving."""
    membership = _membership(request)
    assert membership is not None
    help_request = _request_or_404(request, request_id)
    page = reverse("consultations:help_hour:school-request", args=[help_request.pk])
    if not permissions.can_edit_request(membership, help_request):
        return forbidden(
            request, _("Only the teacher who filed the request and the school's administrators change it.")
        )
    if help_request.status not in EDITABLE:
        messages.error(
            request,
            _("The request is “%(status)s”: it can no longer be changed.")
            % {"status": help_request.get_status_display()},
        )
        return redirect(page)
    staff = selectors.school_staff(school=membership.organisation)
    post = request.method == "POST"
    initial = {
        "subject": help_request.subject,
        "category": help_request.category,
        "description": help_request.description,
        "participants": [p.pk for p in help_request.participants.all()],
    }
    form = RequestForm(
        request.POST if post else None,
        request.FILES if post else None,
        staff=staff,
        initial=initial,
        has_document=bool(help_request.document),
    )
    formset = PreferredTimeFormSet(
        request.POST if post else None,
        prefix="times",
        initial=preferred_initial(help_request.preferred_times),
    )
    if post and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            services.request_update(
                request_id=help_request.pk,
                actor=_user(request),
                membership=membership,
                subject=data["subject"],
                category=data["category"],
                description=data["description"],
                participant_ids=data["participants"],
                preferred_times=_preferred(formset),
                document=data.get("document") or None,
                remove_document=bool(data.get("remove_document")),
            )
            if "send" in request.POST:
                services.request_submit(
                    request_id=help_request.pk, actor=_user(request), membership=membership
                )
        except TutornetError as exc:
            _form_error(form, exc, formset)
            if "send" in request.POST:
                messages.warning(request, _("The changes are saved, but the request is not sent yet."))
        else:
            messages.success(
                request, _("The request is sent to the centre.") if "send" in request.POST else _("Saved.")
            )
            return redirect(page)
    context = {"form": form, "formset": formset, "editing": help_request}
    return _render(request, "help_hour/request_form.html", context)


@signed_in
def school_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """The request's page for the school: status, timeline, document, session, outcome, rating."""
    membership = _membership(request)
    if _organisation(request).kind == Organisation.Kind.CENTRE and _centre_person(membership):
        return redirect("consultations:help_hour:centre-request", request_id=request_id)
    if not permissions.is_school_staff(membership):
        return forbidden(request, _("Help Hour requests are filed by a school's staff on the school's site."))
    assert membership is not None
    help_request = _request_or_404(request, request_id)
    now = timezone.now()
    session = None
    if help_request.session_id:
        session = selectors.session_detail(
            session_id=help_request.session_id, actor=_user(request), membership=membership
        )
    can_edit = permissions.can_edit_request(membership, help_request)
    allowed = allowed_actions(help_request.status) if can_edit else []
    rating_form = None
    my_rating = None
    if session is not None and session.held_at is not None and permissions.can_rate(request.user, session):
        my_rating = next((r for r in session.ratings.all() if r.user_id == request.user.pk), None)
        initial = {"score": my_rating.score, "comment": my_rating.comment} if my_rating else None
        rating_form = RatingForm(initial=initial)
    context = {
        "item": help_request,
        "timeline": _timeline(help_request),
        "session": session,
        "participants": list(help_request.participants.all()),
        "can_edit": can_edit and help_request.status in EDITABLE,
        "can_send": Action.SUBMIT in allowed,
        "can_withdraw": Action.WITHDRAW in allowed,
        "needs_answer": help_request.status == Status.NEEDS_CLARIFICATION and can_edit,
        "rating_form": rating_form,
        "my_rating": my_rating,
        **_join_state(request, session, now),
    }
    return _render(request, "help_hour/school_request.html", context)


@require_POST
@school_staff_only
def school_request_action(request: HttpRequest, request_id: int) -> HttpResponse:
    """Send (a draft, or the answer to the centre's question) or withdraw."""
    membership = _membership(request)
    assert membership is not None
    _request_or_404(request, request_id)  # another school's request is a 404, not a refusal
    back = reverse("consultations:help_hour:school-request", args=[request_id])
    action = request.POST.get("action")
    form = CommentForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    try:
        if action == "submit":
            services.request_submit(
                request_id=request_id, actor=_user(request), membership=membership, comment=comment
            )
            messages.success(request, _("The request is sent to the centre."))
        elif action == "withdraw":
            services.request_withdraw(
                request_id=request_id, actor=_user(request), membership=membership, comment=comment
            )
            messages.success(request, _("The request is withdrawn."))
        else:
            messages.error(request, _("Unknown action."))
    except TutornetError as exc:
        return refused(request, exc, back)
    return redirect(back)


@require_POST
@school_staff_only
def session_rate(request: HttpRequest, session_id: int) -> HttpResponse:
    """A participant rates how useful the held session was."""
    membership = _membership(request)
    assert membership is not None
    back = request.POST.get("request_id", "")
    back_url = (
        reverse("consultations:help_hour:school-request", args=[int(back)])
        if back.isdigit()
        else reverse("consultations:help_hour:school-list")
    )
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rate from 1 to 5."))
        return redirect(back_url)
    try:
        services.session_rate(
            session_id=session_id,
            actor=_user(request),
            membership=membership,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except TutornetError as exc:
        return refused(request, exc, back_url)
    messages.success(request, _("Thank you for the rating."))
    return redirect(back_url)


# --- files and the video room (both sites) ---------------------------------------------------


def _file_for_involved(request: HttpRequest, opener: Callable[..., Any], **ids: int) -> HttpResponseBase:
    """A file through its selector (which checks who is involved); anyone else gets a 404."""
    membership = _membership(request)
    if membership is None:
        raise Http404
    try:
        opened = opener(**ids, actor=_user(request), membership=membership)
    except (NotFoundError, PermissionDeniedError) as exc:
        raise Http404(exc.message) from None
    return _file_response(opened)


@signed_in
def document(request: HttpRequest, request_id: int) -> HttpResponseBase:
    """The request's document, for those involved; anyone else gets a 404."""
    return _file_for_involved(request, selectors.document_open, request_id=request_id)


@signed_in
def outcome_file(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """A file the tutor returned, for those who may see the session."""
    return _file_for_involved(request, selectors.outcome_file_open, file_id=file_id)


@signed_in
def session_join(request: HttpRequest, session_id: int) -> HttpResponse:
    """Send a participant or tutor to the session's video room, within the join window only."""
    membership = _membership(request)
    if membership is None:
        raise Http404
    back = request.GET.get("back", "")
    safe = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    back_url = back if back and safe else reverse("dashboard")
    try:
        session = selectors.session_detail(session_id=session_id, actor=_user(request), membership=membership)
        url = selectors.session_join_url(session_id=session_id, actor=_user(request), membership=membership)
    except (NotFoundError, PermissionDeniedError) as exc:
        raise Http404(exc.message) from None
    if url is None:
        if session.mode == HelpHourSession.Mode.VIDEO and permissions.can_join_session(request.user, session):
            opens = session.starts_at - timedelta(minutes=settings.VIDEO_JOIN_OPENS_MINUTES)
            messages.error(request, _("The link appears at %(time)s.") % {"time": _local(opens, request)})
        else:
            messages.error(request, _("There is no video room for you in this session."))
        return redirect(back_url)
    try:
        video.ensure_meeting(session.video_room, str(session))
    except TutornetError as exc:
        messages.error(request, exc.message)
        return redirect(back_url)
    return redirect(url)


# --- the centre's side: the queue and a request ----------------------------------------------


@centre_staff_only
def queue(request: HttpRequest) -> HttpResponse:
    """The methodologists' queue, filtered by subject, category, status, school and age."""
    membership = _membership(request)
    assert membership is not None
    centre = _organisation(request)
    schools = list(schools_of(centre))
    form = QueueFilterForm(request.GET or None, schools=schools)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "subject_id": data["subject"].pk if data.get("subject") else None,
            "category": data.get("category") or None,
            "status": data.get("status") or None,
            "school_id": data.get("school"),
            "min_age_days": data.get("min_age"),
            "max_age_days": data.get("max_age"),
        }
    rows = selectors.centre_queue(actor=_user(request), membership=membership, **filters)
    now = timezone.now()
    context = {
        "form": form,
        "rows": [
            {
                "item": row,
                "age_days": (now - row.submitted_at).days if row.submitted_at else None,
                "schedulable": row.status == Status.ACCEPTED,
            }
            for row in rows
        ],
    }
    return _render(request, "help_hour/queue.html", context)


@centre_people_only
def centre_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """A request on the centre's site: what the school asks, its timeline, and the triage actions."""
    membership = _membership(request)
    help_request = _request_or_404(request, request_id)
    is_methodologist = permissions.is_methodologist(membership)
    allowed = allowed_actions(help_request.status) if is_methodologist else []
    tutors = selectors.centre_tutors(centre=_organisation(request))
    context = {
        "item": help_request,
        "timeline": _timeline(help_request),
        "participants": list(help_request.participants.all()),
        "actions": [a for a in TRIAGE if a in allowed],
        "can_schedule": Action.SCHEDULE in allowed,
        "assign_form": AssignTutorForm(tutors=tutors, initial={"tutor": help_request.tutor_id}),
        "session": help_request.session,
    }
    return _render(request, "help_hour/centre_request.html", context)


@require_POST
@centre_people_only
def centre_request_action(request: HttpRequest, request_id: int) -> HttpResponse:
    """Accept, reject (with a reason), return for clarification (with a question), assign a tutor."""
    membership = _membership(request)
    assert membership is not None
    back = reverse("consultations:help_hour:centre-request", args=[request_id])
    action = request.POST.get("action")
    comment = (request.POST.get("comment") or "").strip()
    arguments: dict[str, Any] = {"request_id": request_id, "actor": _user(request), "membership": membership}
    done = {
        "accept": _("The request is accepted."),
        "reject": _("The request is rejected."),
        "return": _("The request is returned to the school for clarification."),
        "assign_tutor": _("The tutor is assigned."),
    }
    try:
        if action == "accept":
            services.request_accept(**arguments, comment=comment)
        elif action == "reject":
            services.request_reject(**arguments, reason=comment)
        elif action == "return":
            services.request_return(**arguments, question=comment)
        elif action == "assign_tutor":
            form = AssignTutorForm(
                request.POST, tutors=selectors.centre_tutors(centre=_organisation(request))
            )
            if not form.is_valid():
                messages.error(request, _("Choose a tutor from the list."))
                return redirect(back)
            services.request_assign_tutor(**arguments, tutor_id=form.cleaned_data["tutor"], comment=comment)
        else:
            messages.error(request, _("Unknown action."))
            return redirect(back)
    except TutornetError as exc:
        return refused(request, exc, back)
    messages.success(request, done[action])
    return redirect(back)


# --- sessions --------------------------------------------------------------------------------


@methodologists_only
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest) -> HttpResponse:
    """Schedule one session for the chosen accepted requests (several: a merge)."""
    membership = _membership(request)
    assert membership is not None
    source = request.POST if request.method == "POST" else request.GET
    request_ids = sorted(set(_ints(source.getlist("requests"))))
    if not request_ids:
        messages.error(request, _("Choose at least one accepted request in the queue."))
        return redirect("consultations:help_hour:queue")
    chosen = [_request_or_404(request, request_id) for request_id in request_ids]
    tutors = selectors.centre_tutors(centre=_organisation(request))
    assigned = sorted({r.tutor_id for r in chosen if r.tutor_id})
    headcount = len({p.pk for r in chosen for p in r.participants.all()})
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        tutors=tutors,
        initial={"tutors": assigned, "capacity": max(headcount, 1) + 5},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_schedule(
                request_ids=request_ids,
                starts_at=datetime.combine(data["date"], data["starts_at"]),
                ends_at=datetime.combine(data["date"], data["ends_at"]),
                mode=data["mode"],
                capacity=data["capacity"],
                place=data["place"],
                tutor_ids=data["tutors"],
                topic=data["topic"],
                actor=_user(request),
                membership=membership,
            )
        except TutornetError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The session is scheduled; the school and the tutors are told."))
            return redirect("consultations:help_hour:session", session_id=session.pk)
    context = {"form": form, "chosen": chosen, "headcount": headcount, "request_ids": request_ids}
    return _render(request, "help_hour/schedule.html", context)


@centre_people_only
@require_http_methods(["GET", "POST"])
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    """A session: participants of all merged requests, the join link, held, outcome, close, merge."""
    membership = _membership(request)
    assert membership is not None
    actor = _user(request)
    page = reverse("consultations:help_hour:session", args=[session_id])
    session = selectors.session_detail(session_id=session_id, actor=actor, membership=membership)
    action = request.POST.get("action") if request.method == "POST" else None
    outcome_form = OutcomeForm(
        request.POST if action == "outcome" else None,
        request.FILES if action == "outcome" else None,
        initial={"summary": session.summary, "recommendations": session.recommendations},
    )
    if action is not None:
        try:
            if action == "hold":
                services.session_mark_held(session_id=session_id, actor=actor, membership=membership)
                messages.success(request, _("The session is marked as held. Now record the outcome."))
                return redirect(page)
            if action == "close":
                services.session_close(
                    session_id=session_id,
                    actor=actor,
                    membership=membership,
                    comment=(request.POST.get("comment") or "").strip(),
                )
                messages.success(request, _("The session is closed; the school sees the outcome."))
                return redirect(page)
            if action == "merge":
                ids = _ints(request.POST.getlist("requests"))
                services.session_merge(
                    session_id=session_id, request_ids=ids, actor=actor, membership=membership
                )
                messages.success(request, _("The requests are added to the session."))
                return redirect(page)
            if action == "outcome":
                if outcome_form.is_valid():
                    data = outcome_form.cleaned_data
                    try:
                        services.session_record_outcome(
                            session_id=session_id,
                            actor=actor,
                            membership=membership,
                            summary=data["summary"],
                            recommendations=data["recommendations"],
                            files=data["files"],
                        )
                    except (NotFoundError, PermissionDeniedError):
                        raise
                    except TutornetError as exc:
                        _form_error(outcome_form, exc)
                    else:
                        messages.success(request, _("The outcome is saved."))
                        return redirect(page)
            else:
                messages.error(request, _("Unknown action."))
                return redirect(page)
        except TutornetError as exc:
            return refused(request, exc, page)
    now = timezone.now()
    is_methodologist = permissions.is_methodologist(membership)
    mergeable: list[HelpHourRequest] = []
    if is_methodologist and session.held_at is None:
        mergeable = selectors.centre_queue(
            actor=actor, membership=membership, subject_id=session.subject_id, status=Status.ACCEPTED
        )
    context = {
        "session": session,
        "requests": list(session.requests.all()),
        "participants": _participants(session),
        "can_mark_held": permissions.can_mark_held(membership, session)
        and session.held_at is None
        and session.starts_at <= now,
        "not_started": session.held_at is None and session.starts_at > now,
        "can_record": permissions.can_record_outcome(membership, session)
        and session.held_at is not None
        and session.closed_at is None,
        "can_close": permissions.can_mark_held(membership, session)
        and session.held_at is not None
        and session.closed_at is None,
        "outcome_form": outcome_form,
        "mergeable": mergeable,
        "ratings": list(session.ratings.all()),
        **_join_state(request, session, now),
    }
    return _render(request, "help_hour/session.html", context)


@tutors_only
def tutor_page(request: HttpRequest) -> HttpResponse:
    """A tutor's requests and sessions."""
    membership = _membership(request)
    assert membership is not None
    rows = selectors.tutor_requests(actor=_user(request), membership=membership)
    sessions: dict[int, dict[str, Any]] = {}
    waiting = []
    for row in rows:
        if row.session is None:
            waiting.append(row)
            continue
        entry = sessions.setdefault(row.session.pk, {"session": row.session, "requests": []})
        entry["requests"].append(row)
    ordered = sorted(sessions.values(), key=lambda entry: entry["session"].starts_at)
    now = timezone.now()
    context = {
        "waiting": waiting,
        "upcoming": [e for e in ordered if e["session"].closed_at is None and e["session"].held_at is None],
        "to_finish": [
            e for e in ordered if e["session"].held_at is not None and e["session"].closed_at is None
        ],
        "closed": [e for e in ordered if e["session"].closed_at is not None],
        "now": now,
    }
    return _render(request, "help_hour/tutor.html", context)


# --- figures and the export ------------------------------------------------------------------


@centre_staff_only
@require_http_methods(["GET", "POST"])
def figures(request: HttpRequest) -> HttpResponse:
    """Counts by school, subject, category and month; the average wait; the XLSX export."""
    membership = _membership(request)
    assert membership is not None
    source = request.POST if request.method == "POST" else request.GET
    form = PeriodForm(source or None)
    period: dict[str, Any] = {}
    if form.is_valid():
        period = {"date_from": form.cleaned_data["date_from"], "date_to": form.cleaned_data["date_to"]}
    if request.method == "POST":
        try:
            started = services.export_start(actor=_user(request), membership=membership, **period)
        except TutornetError as exc:
            messages.error(request, exc.message)
            return redirect("consultations:help_hour:figures")
        return redirect(f"{reverse('consultations:help_hour:figures')}?export={started.pk}")
    try:
        data = selectors.centre_figures(actor=_user(request), membership=membership, **period)
    except TutornetError as exc:
        messages.error(request, exc.message)
        data = selectors.centre_figures(actor=_user(request), membership=membership)
    export: HelpHourExport | None = None
    export_id = _ints([request.GET.get("export", "")])
    if export_id:
        try:
            export = selectors.export_status(
                export_id=export_id[0], actor=_user(request), membership=membership
            )
        except NotFoundError:
            export = None
    context = {"form": form, "figures": data, "export": export}
    return _render(request, "help_hour/figures.html", context)


def _export_json(export: HelpHourExport) -> dict[str, Any]:
    done = export.state == HelpHourExport.State.DONE
    return {
        "id": export.pk,
        "state": export.state,
        "state_label": export.get_state_display(),
        "progress": export.progress,
        "ready": done,
        "download_url": reverse("consultations:help_hour:export-download", args=[export.pk])
        if done
        else None,
        # One plain sentence; the cause is in the log only.
        "error": _(services.EXPORT_FAILED) if export.state == HelpHourExport.State.FAILED else "",
    }


@login_required
def export_status(request: HttpRequest, export_id: int) -> JsonResponse:
    """The export's state and progress, polled by the figures page every second."""
    membership = _membership(request)
    try:
        export = selectors.export_status(export_id=export_id, actor=_user(request), membership=membership)  # type: ignore[arg-type]
    except TutornetError as exc:
        return JsonResponse({"error": exc.code, "message": exc.message}, status=exc.status)
    return JsonResponse(_export_json(export))


@centre_staff_only
def export_download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    membership = _membership(request)
    assert membership is not None
    try:
        opened = selectors.export_open(export_id=export_id, actor=_user(request), membership=membership)
    except (NotFoundError, PermissionDeniedError) as exc:
        raise Http404(exc.message) from None
    return _file_response(opened)
