"""The teacher's tutorial pages: the catalogue, a tutorial, my tutorials; register, cancel,
check in, feedback, certificates.

Views are thin: they ask ``tutorials.permissions``, parse a form, call one
service or selector and render.  A ``TutornetError`` becomes a form error or a
message; a tutorial the person may not see is a 404, like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Membership, User
from consultations import video
from tenants.models import Organisation, Subject
from tutornet.errors import TutornetError
from tutornet.pages import forbidden, refused

from . import checkin, ics, permissions, selectors, services
from .forms import CheckinForm, FeedbackForm
from .models import Attendance, Certificate, Feedback, Kind, Material, Registration, Tutorial
from .services.tutorials import can_manage

View = Callable[..., HttpResponse]


def me(request: HttpRequest) -> User:
    """The signed-in person (every view here is behind ``login_required``)."""
    return cast(User, request.user)


def district(request: HttpRequest) -> Membership | None:
    return getattr(request, "district_membership", None)


def membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def organisation(request: HttpRequest) -> Organisation:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


def participants_only(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (
            permissions.can_take_part(district(request)) or permissions.can_organise(membership(request))
        ):
            return forbidden(request, _("Tutorials of this organisation are not open to you."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def route_topic_ids(request: HttpRequest) -> list[int]:
    """The topics of the teacher's open route for this year, for the "по вашему маршруту" flag
    (``tutorials.routes.selectors.route_topic_ids_for``; imported here to keep the apps' imports
    one-way)."""
    if not request.user.is_authenticated:
        return []
    from tutorials.routes.selectors import route_topic_ids_for

    return route_topic_ids_for(request.user.pk)


def visible_tutorial(request: HttpRequest, tutorial_id: int) -> Tutorial:
    """The tutorial if this person may see it: its managers always; others when published for them."""
    if not (permissions.can_take_part(district(request)) or permissions.can_organise(membership(request))):
        raise Http404  # nobody outside the organisation (or, in a centre, its schools) sees anything
    tutorial = get_object_or_404(Tutorial.objects.prefetch_related("sessions"), pk=tutorial_id)
    if can_manage(tutorial, user=me(request), membership=membership(request)):
        return tutorial
    if tutorial.status == Tutorial.Status.DRAFT:
        raise Http404
    mine = tutorial.registrations.filter(user=me(request)).exists()
    if mine or selectors.in_audience(tutorial, district(request)):
        return tutorial
    raise Http404


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context = {
        "zone": organisation(request).zone,
        "can_organise": permissions.can_organise(membership(request)),
        **context,
    }
    return render(request, template, context, status=status)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@participants_only
def catalogue(request: HttpRequest) -> HttpResponse:
    """Published tutorials for this teacher's audience, filtered by subject and kind."""
    subject_id = _int(request.GET.get("subject"))
    kind = request.GET.get("kind") or None
    if kind not in Kind.values:
        kind = None
    tutorials = list(selectors.catalogue(membership=district(request), subject_id=subject_id, kind=kind))
    mine = selectors.registrations_by_tutorial(me(request), [t.pk for t in tutorials])
    flagged = selectors.on_route(tutorials, route_topic_ids(request))
    rows = [{"tutorial": t, "registration": mine.get(t.pk), "on_route": t.pk in flagged} for t in tutorials]
    return _page(
        request,
        "tutorials/catalogue.html",
        {
            "rows": rows,
            "subjects": Subject.objects.filter(is_active=True).order_by("name"),
            "kinds": Kind.choices,
            "subject_id": subject_id,
            "kind": kind,
        },
    )


@participants_only
def my(request: HttpRequest) -> HttpResponse:
    registrations = list(selectors.my_registrations(me(request)))
    now = timezone.now()
    upcoming = [r for r in registrations if r.tutorial.ends_at and r.tutorial.ends_at >= now]
    past = [r for r in registrations if not (r.tutorial.ends_at and r.tutorial.ends_at >= now)]
    certificates = Certificate.objects.filter(user=me(request)).order_by("-starts_on")
    return _page(
        request, "tutorials/my.html", {"upcoming": upcoming, "past": past, "certificates": certificates}
    )


def _running_session(tutorial: Tutorial) -> Any:
    now = timezone.now()
    for session in tutorial.sessions.all():
        if session.starts_at - checkin.MARGIN <= now <= session.ends_at + checkin.MARGIN:
            return session
    return None


@login_required
def detail(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    tutorial = visible_tutorial(request, tutorial_id)
    registration = tutorial.registrations.filter(user=me(request), status__in=Registration.ACTIVE).first()
    now = timezone.now()
    confirmed = registration is not None and registration.status == Registration.Status.CONFIRMED
    attended = Attendance.objects.filter(session__tutorial=tutorial, user=me(request)).exists()
    feedback = Feedback.objects.filter(tutorial=tutorial, user=me(request)).first()
    certificate = Certificate.objects.filter(
        user=me(request),
        source=Certificate.Source.TUTORIAL,
        source_id=tutorial.pk,
    ).first()
    session = _running_session(tutorial) if confirmed else None
    checked_in = session is not None and Attendance.objects.filter(session=session, user=me(request)).exists()
    materials = (
        list(tutorial.materials.all())
        if (confirmed or attended or can_manage(tutorial, user=me(request), membership=membership(request)))
        else []
    )
    join_open = (
        confirmed
        and tutorial.has_video
        and tutorial.starts_at is not None
        and any(video.join_window_open(s.starts_at, s.ends_at, now) for s in tutorial.sessions.all())
    )
    return _page(
        request,
        "tutorials/detail.html",
        {
            "tutorial": tutorial,
            "registration": registration,
            "registration_open": tutorial.status == Tutorial.Status.PUBLISHED
            and now < tutorial.registration_closes_at
            and (tutorial.registration_opens_at is None or now >= tutorial.registration_opens_at),
            "can_cancel": registration is not None
            and (
                registration.status != Registration.Status.CONFIRMED or now < tutorial.registration_closes_at
            ),
            "manage": can_manage(tutorial, user=me(request), membership=membership(request)),
            "session": session,
            "checked_in": checked_in,
            "checkin_form": CheckinForm(),
            "attended": attended,
            "feedback": feedback,
            "feedback_form": FeedbackForm() if attended and feedback is None else None,
            "certificate": certificate,
            "materials": materials,
            "case_materials": list(tutorial.case_materials.all()),
            "join_open": join_open,
            "sessions": list(tutorial.sessions.all()),
        },
    )


def _back(tutorial_id: int) -> str:
    return reverse("tutorials:detail", args=[tutorial_id])


@require_POST
@participants_only
def register(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    tutorial = visible_tutorial(request, tutorial_id)
    try:
        registration = services.registration_create(
            tutorial=tutorial,
            user=me(request),
            membership=district(request),
            waitlist=request.POST.get("waitlist") == "1",
        )
    except TutornetError as exc:
        return refused(request, exc, _back(tutorial_id))
    messages.success(request, str(registration.get_status_display()).capitalize())
    return redirect(_back(tutorial_id))


def _own_registration(request: HttpRequest, registration_id: int) -> Registration:
    registration = get_object_or_404(Registration, pk=registration_id)
    if registration.user_id != me(request).pk:
        raise Http404
    return registration


@require_POST
@login_required
def registration_cancel(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _own_registration(request, registration_id)
    try:
        services.registration_cancel(registration=registration, actor=me(request))
    except TutornetError as exc:
        return refused(request, exc, _back(registration.tutorial_id))
    messages.success(request, _("Your registration is cancelled."))
    return redirect(_back(registration.tutorial_id))


@require_POST
@login_required
def waitlist_accept(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _own_registration(request, registration_id)
    try:
        services.waitlist_accept(registration=registration, actor=me(request))
    except TutornetError as exc:
        return refused(request, exc, _back(registration.tutorial_id))
    messages.success(request, _("Your place is confirmed."))
    return redirect(_back(registration.tutorial_id))


@require_POST
@login_required
def checkin_view(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    tutorial = visible_tutorial(request, tutorial_id)
    session = _running_session(tutorial)
    if session is None:
        messages.error(request, _("No session of this tutorial is running now."))
        return redirect(_back(tutorial_id))
    try:
        services.checkin_with_code(session=session, user=me(request), code=request.POST.get("code", ""))
    except TutornetError as exc:
        return refused(request, exc, _back(tutorial_id))
    messages.success(request, _("You are checked in. Welcome!"))
    return redirect(_back(tutorial_id))


@require_POST
@login_required
def feedback(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    tutorial = visible_tutorial(request, tutorial_id)
    form = FeedbackForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        services.feedback_submit(
            tutorial=tutorial,
            user=me(request),
            rating=data.get("rating") or None,
            useful=data.get("useful", ""),
            will_use=data.get("will_use", ""),
        )
    except TutornetError as exc:
        return refused(request, exc, _back(tutorial_id))
    messages.success(request, _("Thank you for your feedback."))
    return redirect(_back(tutorial_id))


@login_required
def tutorial_ics(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    tutorial = visible_tutorial(request, tutorial_id)
    link = request.build_absolute_uri(_back(tutorial_id))
    response = HttpResponse(
        ics.tutorial_request(tutorial, attendee=me(request), link=link),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="tutorial-{tutorial.pk}.ics"'
    return response


@login_required
def join(request: HttpRequest, tutorial_id: int) -> HttpResponse:
    """The video-conference link, for registered participants and organisers, within the join window."""
    tutorial = visible_tutorial(request, tutorial_id)
    manage = can_manage(tutorial, user=me(request), membership=membership(request))
    registered = tutorial.registrations.filter(
        user=me(request), status=Registration.Status.CONFIRMED
    ).exists()
    if not tutorial.has_video or not (manage or registered):
        raise Http404
    for session in tutorial.sessions.all():
        url = video.join_url_for_room(
            room=tutorial.video_room,
            display_name=str(me(request)),
            email=me(request).email,
            is_moderator=manage,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            user_id=str(me(request).pk),
        )
        if url:
            return redirect(url)
    messages.error(request, _("The video-conference link appears shortly before the session starts."))
    return redirect(_back(tutorial_id))


@login_required
def material_download(request: HttpRequest, material_id: int) -> HttpResponse:
    material = get_object_or_404(Material.objects.select_related("tutorial"), pk=material_id)
    tutorial = material.tutorial
    allowed = (
        can_manage(tutorial, user=me(request), membership=membership(request))
        or tutorial.registrations.filter(
            user=me(request),
            status=Registration.Status.CONFIRMED,
        ).exists()
    )
    if not allowed:
        raise Http404
    with material.file.open("rb") as stored:
        content = stored.read()
    response = HttpResponse(content, content_type=material.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="material-{material.pk}{material.name[material.name.rfind(".") :]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
