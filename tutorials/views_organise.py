"""The organiser's and the methodologist's pages: create, edit, publish, participants and their
export, attendance on a phone, the check-in code screen, messages, cancel, move, feedback, certificates."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tutornet import xlsx
from tutornet.errors import TutornetError
from tutornet.pages import forbidden, form_error, refused

from . import checkin, permissions, selectors, services
from .forms import CancelForm, MaterialForm, MessageForm, MoveForm, TutorialForm
from .models import Registration, Session, Tutorial
from .services.tutorials import can_manage
from .views import _page, me, membership, organisation

View = Callable[..., HttpResponse]


def organisers_only(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.can_organise(membership(request)):
            return forbidden(request, _("This page is for the organisers of tutorials."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def managed(request: HttpRequest, tutorial_id: int) -> Tutorial:
    """The tutorial if this person organises it or is the organisation's staff; else 404."""
    tutorial = get_object_or_404(Tutorial, pk=tutorial_id)
    if not can_manage(tutorial, user=me(request), membership=membership(request)):
        raise Http404
    return tutorial


def _manage_url(tutorial: Tutorial) -> str:
    return reverse("tutorials:participants", args=[tutorial.pk])


@organisers_only
def organise(request: HttpRequest) -> HttpResponse:
    """Mine; the staff (methodologists) see every tutorial of the organisation."""
    staff = permissions.is_staff(membership(request))
    if staff:
        tutorials = selectors.catalogue(membership=None, everything=True, include_past=True).order_by(
            "-starts_at"
        )
    else:
        tutorials = selectors.organised_by(me(request))
    return _page(request, "tutorials/organise.html", {"tutorials": list(tutorials), "staff": staff})


@organisers_only
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, tutorial_id: int | None = None) -> HttpResponse:
    tutorial = managed(request, tutorial_id) if tutorial_id else None
    zone = organisation(request).zone
    if request.method == "POST":
        form = TutorialForm(request.POST, organisation=organisation(request))
        if form.is_valid():
            try:
                if tutorial is None:
                    tutorial = services.tutorial_create(
                        data=form.to_data(),
                        actor=me(request),
                        membership=membership(request),
                    )
                else:
                    tutorial = services.tutorial_update(
                        tutorial=tutorial,
                        data=form.to_data(),
                        actor=me(request),
                        membership=membership(request),
                    )
            except TutornetError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The tutorial is saved."))
                return redirect(_manage_url(tutorial))
    else:
        initial = TutorialForm.initial_for(tutorial, zone) if tutorial else None
        form = TutorialForm(initial=initial, organisation=organisation(request))
    return _page(request, "tutorials/edit.html", {"form": form, "tutorial": tutorial})


@require_POST
@organisers_only
def publish(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    tutorial = managed(request, tutorial_id)
    try:
        services.tutorial_publish(tutorial=tutorial, actor=me(request), membership=membership(request))
    except TutornetError as exc:
        return refused(request, exc, _manage_url(tutorial))
    messages.success(request, _("The tutorial is published; the audience is told."))
    return redirect(_manage_url(tutorial))


def _form_action(
    request: HttpRequest,
    tutorial_id: int,
    form_class: type,
    template: str,
    act: Callable[[Tutorial, Any], str],
) -> HttpResponse:
    tutorial = managed(request, tutorial_id)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = act(tutorial, form)
        except TutornetError as exc:
            form_error(form, exc)
        else:
            messages.success(request, message)
            return redirect(_manage_url(tutorial))
    return _page(request, template, {"form": form, "tutorial": tutorial})


@organisers_only
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    def act(tutorial: Tutorial, form: CancelForm) -> str:
        services.tutorial_cancel(
            tutorial=tutorial,
            reason=form.cleaned_data["reason"],
            actor=me(request),
            membership=membership(request),
        )
        return _("The tutorial is cancelled; everybody is told.")

    return _form_action(request, tutorial_id, CancelForm, "tutorials/cancel.html", act)


@organisers_only
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    zone = organisation(request).zone

    def act(tutorial: Tutorial, form: MoveForm) -> str:
        services.tutorial_move(
            tutorial=tutorial,
            sessions=form.sessions(zone, tutorial.sessions.count()),
            place=form.cleaned_data.get("place") or None,
            actor=me(request),
            membership=membership(request),
        )
        return _("The tutorial is moved; everybody got the new date and the calendar file.")

    return _form_action(request, tutorial_id, MoveForm, "tutorials/move.html", act)


@organisers_only
@require_http_methods(["GET", "POST"])
def message(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    def act(tutorial: Tutorial, form: MessageForm) -> str:
        count = services.tutorial_message(
            tutorial=tutorial,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            actor=me(request),
            membership=membership(request),
        )
        return _("The message is sent to %(count)s participants.") % {"count": count}

    return _form_action(request, tutorial_id, MessageForm, "tutorials/message.html", act)


@login_required
def participants(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    """The organiser's page of a tutorial: its participants, sessions, actions."""
    tutorial = managed(request, tutorial_id)
    return _page(
        request,
        "tutorials/participants.html",
        {
            "tutorial": tutorial,
            "registrations": list(selectors.participants(tutorial)),
            "sessions": list(tutorial.sessions.all()),
            "material_form": MaterialForm(),
            "materials": list(tutorial.materials.all()),
            "summary": selectors.feedback_summary(tutorial),
            "started": tutorial.starts_at is not None and tutorial.starts_at <= timezone.now(),
        },
    )


@login_required
def export(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    tutorial = managed(request, tutorial_id)
    sessions = list(tutorial.sessions.all())
    present = selectors.attendance_map(tutorial)
    zone = organisation(request).zone
    book, sheet = xlsx.new_workbook(_("Participants"))
    sheet.header(
        [_("Name"), _("E-mail"), _("School"), _("Status"), _("Registered")]
        + [timezone.localtime(s.starts_at, zone).strftime("%d.%m.%Y %H:%M") for s in sessions]
    )
    for registration in selectors.participants(tutorial):
        sheet.row(
            [
                registration.user.get_full_name(),
                registration.user.email,
                registration.school.short_name if registration.school else "",
                registration.get_status_display(),
                timezone.localtime(registration.created_at, zone).strftime("%d.%m.%Y %H:%M"),
            ]
            + ["+" if (s.pk, registration.user_id) in present else "" for s in sessions]
        )
    sheet.widths(A=36, B=30, C=24, D=20, E=18)
    response = HttpResponse(
        xlsx.to_bytes(book), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="tutorial-{tutorial.pk}-participants.xlsx"'
    return response


@require_POST
@login_required
def decide(request: HttpRequest, registration_id: int, answer: str) -> HttpResponse:
    registration = get_object_or_404(Registration, pk=registration_id)
    tutorial = managed(request, registration.tutorial_id)
    try:
        services.registration_decide(
            registration=registration,
            approve=answer == "approve",
            actor=me(request),
            membership=membership(request),
        )
    except TutornetError as exc:
        return refused(request, exc, _manage_url(tutorial))
    return redirect(_manage_url(tutorial))


def _session(request: HttpRequest, session_id: int) -> Session:
    session = get_object_or_404(Session.objects.select_related("tutorial"), pk=session_id)
    managed(request, session.tutorial_id)
    return session


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    """The phone-friendly list: one big button per participant (a form each: works without JavaScript)."""
    session = _session(request, session_id)
    if request.method == "POST":
        try:
            services.attendance_mark(
                session=session,
                user_id=int(request.POST.get("user", 0) or 0),
                present=request.POST.get("present") == "1",
                actor=me(request),
                membership=membership(request),
            )
        except TutornetError as exc:
            messages.error(request, exc.message)
        return redirect(
            reverse("tutorials:attendance", args=[session.pk]) + f"#p{request.POST.get('user', '')}"
        )
    present = {user_id for (_s, user_id) in selectors.attendance_map(session.tutorial) if _s == session.pk}
    registrations = [
        r for r in selectors.participants(session.tutorial) if r.status == Registration.Status.CONFIRMED
    ]
    return _page(
        request,
        "tutorials/attendance.html",
        {
            "session": session,
            "tutorial": session.tutorial,
            "registrations": registrations,
            "present": present,
        },
    )


@login_required
def code_screen(request: HttpRequest, session_id: int) -> HttpResponse:
    """The code shown on the room's screen; a static script fetches the next one (no inline script)."""
    session = _session(request, session_id)
    now = timezone.now()
    return _page(
        request,
        "tutorials/code.html",
        {
            "session": session,
            "tutorial": session.tutorial,
            "code": checkin.code_now(session.checkin_secret, now),
            "seconds_left": checkin.seconds_left(now),
        },
    )


@never_cache
@login_required
def code_json(request: HttpRequest, session_id: int) -> JsonResponse:
    session = _session(request, session_id)
    now = timezone.now()
    return JsonResponse(
        {"code": checkin.code_now(session.checkin_secret, now), "seconds_left": checkin.seconds_left(now)}
    )


@require_POST
@login_required
def certificates_issue(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    tutorial = managed(request, tutorial_id)
    try:
        ids = services.certificates_issue_for_tutorial(
            tutorial=tutorial,
            actor=me(request),
            membership=membership(request),
        )
    except TutornetError as exc:
        return refused(request, exc, _manage_url(tutorial))
    messages.success(request, _("Certificates issued: %(count)s.") % {"count": len(ids)})
    return redirect(_manage_url(tutorial))


@require_POST
@login_required
def material_upload(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    tutorial = managed(request, tutorial_id)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file and say whether it is for before or after."))
        return redirect(_manage_url(tutorial))
    upload = form.cleaned_data["file"]
    try:
        services.material_attach(
            tutorial=tutorial,
            stream=upload,
            name=upload.name,
            stage=form.cleaned_data["stage"],
            actor=me(request),
            membership=membership(request),
        )
    except TutornetError as exc:
        return refused(request, exc, _manage_url(tutorial))
    messages.success(request, _("The file is attached."))
    return redirect(_manage_url(tutorial))
