"""The school's side of the Help Hour: its requests, filing and changing them, acting, rating;
and the files and the video room, on both sites."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consultations import video
from tenants.models import Organisation
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError
from tutornet.pages import forbidden, refused, signed_in

from .. import permissions, selectors, services
from ..forms import (
    CommentForm,
    PreferredTimeFormSet,
    RatingForm,
    RequestForm,
    preferred_initial,
)
from ..models import HelpHourSession, Status
from ..workflow import Action, allowed_actions
from ._common import (
    EDITABLE,
    _centre_person,
    _file_response,
    _form_error,
    _join_state,
    _local,
    _membership,
    _organisation,
    _render,
    _request_or_404,
    _timeline,
    _user,
    filers_only,
    school_staff_only,
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
