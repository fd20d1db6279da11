"""The centre's side of the Help Hour: the queue, a request, sessions, the tutor's page, figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenants.selectors import schools_of
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError
from tutornet.pages import form_error, refused

from .. import permissions, selectors, services
from ..forms import (
    AssignTutorForm,
    OutcomeForm,
    PeriodForm,
    QueueFilterForm,
    ScheduleForm,
)
from ..models import HelpHourExport, HelpHourRequest, Status
from ..workflow import Action, allowed_actions
from ._common import (
    TRIAGE,
    _file_response,
    _form_error,
    _ints,
    _join_state,
    _membership,
    _organisation,
    _participants,
    _render,
    _request_or_404,
    _timeline,
    _user,
    centre_people_only,
    centre_staff_only,
    methodologists_only,
    tutors_only,
)

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
