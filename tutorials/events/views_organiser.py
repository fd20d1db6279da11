"""The organiser's pages of multi-day events: create and build the event (days, blocks,
tracks, reflection questions, tasks, rules), run the allocation and see satisfaction and
flags, move people, the check-in screen and attendance list, the reflections summary,
the participant list, task scores and the defence tutors.

Only the event's organisers and the organisation's staff (``permissions.can_manage``)
open them; anyone else gets the 403 page, a missing event a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Membership, Role, User
from tutorials.checkin import code_now, seconds_left
from tutornet.errors import TutornetError
from tutornet.pages import forbidden, form_error, refused

from . import permissions, selectors, services
from .forms import BlockForm, EventForm, QuestionForm, SettingsForm, TaskForm, TrackForm
from .models import Attendance, Block, Event, Participant
from .views import _render, _user, track_of, visible


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "district_membership", None)


def organisers_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, event_id: int, *args: Any, **kwargs: Any) -> HttpResponseBase:
        event = visible(request, event_id)
        if not permissions.can_manage(_membership(request), event):
            return forbidden(request, _("This page is for the event's organisers."))
        return view(request, event, *args, **kwargs)

    return login_required(wrapped)


def _number(raw: str, default: int = 0) -> int:
    return int(raw) if raw.isdigit() else default


def manage_url(event: Event) -> str:
    return reverse("events:manage", args=[event.pk])


@login_required
def event_new(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    if not permissions.can_create(membership):
        return forbidden(request, _("Events are created by the organisation's staff and tutors."))
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=_user(request), membership=membership, **form.cleaned_data)
        except TutornetError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The event is created: now add its blocks and tracks."))
            return redirect(manage_url(event))
    return _render(request, "events/new.html", {"form": form})


def _day_choices(event: Event) -> list[tuple[int, str]]:
    return [(day.pk, day.date.strftime("%d.%m.%Y")) for day in event.days.all()]


@organisers_only
def manage(request: HttpRequest, event: Event) -> HttpResponse:
    """Build the event: one form per kind of thing, told apart by the ``form`` field."""
    membership, actor = _membership(request), _user(request)
    days = _day_choices(event)
    blocks = [
        (b.pk, f"{b.day.date:%d.%m} {b.title}")
        for b in Block.objects.filter(day__event=event).select_related("day")
    ]
    posted = request.POST.get("form") if request.method == "POST" else None
    block_form = BlockForm(request.POST if posted == "block" else None)
    block_form.fields["day"].choices = days  # type: ignore[attr-defined]
    track_form = TrackForm(request.POST if posted == "track" else None)
    track_form.fields["block"].choices = blocks  # type: ignore[attr-defined]
    question_form = QuestionForm(request.POST if posted == "question" else None)
    question_form.fields["day"].choices = days  # type: ignore[attr-defined]
    task_form = TaskForm(request.POST if posted == "task" else None)
    zone = request.tenant.zone  # type: ignore[attr-defined]
    settings_initial = {
        "rating_opens_at": event.rating_opens_at and timezone.localtime(event.rating_opens_at, zone),
        "rating_closes_at": event.rating_closes_at and timezone.localtime(event.rating_closes_at, zone),
        "points_attendance": event.points_attendance,
        "points_reflection": event.points_reflection,
        "board_visibility": event.board_visibility,
    }
    settings_form = SettingsForm(request.POST if posted == "settings" else None, initial=settings_initial)
    forms = {
        "block": block_form,
        "track": track_form,
        "question": question_form,
        "task": task_form,
        "settings": settings_form,
    }
    form = forms.get(posted or "")
    if form is not None and form.is_valid():
        data = form.cleaned_data
        common: dict[str, Any] = {"actor": actor, "membership": membership}
        try:
            if posted == "block":
                services.block_add(
                    **common,
                    day_id=data["day"],
                    title=data["title"],
                    starts=data["starts"],
                    ends=data["ends"],
                    kind=data["kind"],
                )
            elif posted == "track":
                services.track_add(
                    **common,
                    block_id=data["block"],
                    title=data["title"],
                    places=data["places"],
                    min_size=data["min_size"],
                    place=data["place"],
                )
            elif posted == "question":
                services.question_add(**common, day_id=data["day"], text=data["text"])
            elif posted == "task":
                services.task_add(
                    **common, event_id=event.pk, title=data["title"], max_points=data["max_points"]
                )
            else:
                services.event_settings_update(**common, event_id=event.pk, **data)
        except TutornetError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(manage_url(event))
    return _render(
        request,
        "events/manage.html",
        {
            "event": event,
            "days": selectors.event_structure(event),
            "tasks": list(event.tasks.all()),
            **{f"{k}_form": v for k, v in forms.items()},
        },
    )


@organisers_only
@require_POST
def publish(request: HttpRequest, event: Event) -> HttpResponse:
    try:
        services.event_publish(actor=_user(request), membership=_membership(request), event_id=event.pk)
    except TutornetError as exc:
        return refused(request, exc, manage_url(event))
    messages.success(request, _("The event is published: its audience can register."))
    return redirect(manage_url(event))


@organisers_only
def allocation(request: HttpRequest, event: Event) -> HttpResponse:
    """Run the allocation; per block: satisfaction, unassigned people, tracks under minimum, moves."""
    back = reverse("events:allocation", args=[event.pk])
    if request.method == "POST":
        try:
            if request.POST.get("action") == "move":
                track = request.POST.get("track", "")
                services.assignment_move(
                    actor=_user(request),
                    membership=_membership(request),
                    participant_id=_number(request.POST.get("participant", "")),
                    block_id=_number(request.POST.get("block", "")),
                    track_id=int(track) if track.isdigit() else None,
                )
                messages.success(request, _("The participant is moved."))
            else:
                summaries = services.event_allocate(
                    actor=_user(request), membership=_membership(request), event_id=event.pk
                )
                messages.success(
                    request,
                    _("Allocated: satisfaction %(total)d of %(best)d possible; %(out)d left unassigned.")
                    % {
                        "total": sum(s.satisfaction for s in summaries),
                        "best": sum(s.best_possible for s in summaries),
                        "out": sum(len(s.unassigned) for s in summaries),
                    },
                )
        except TutornetError as exc:
            return refused(request, exc, back)
        return redirect(back)
    return _render(
        request, "events/allocation.html", {"event": event, "reports": selectors.allocation_report(event)}
    )


@organisers_only
def attendance(request: HttpRequest, event: Event, track_id: int) -> HttpResponse:
    """The check-in screen (the rotating code, refreshed by static JS) and the list to mark."""
    track = track_of(event, track_id)
    back = reverse("events:attendance", args=[event.pk, track.pk])
    if request.method == "POST":
        try:
            services.attendance_mark(
                actor=_user(request),
                membership=_membership(request),
                track_id=track.pk,
                participant_id=_number(request.POST.get("participant", "")),
                present=request.POST.get("present") == "1",
            )
        except TutornetError as exc:
            return refused(request, exc, back)
        return redirect(back)
    present = set(Attendance.objects.filter(track=track).values_list("participant_id", flat=True))
    people = list(
        Participant.objects.filter(assignments__track=track, status=Participant.Status.REGISTERED)
        .select_related("user")
        .order_by("user__last_name", "pk")
    )
    now = timezone.now()
    return _render(
        request,
        "events/attendance.html",
        {
            "event": event,
            "track": track,
            "people": [(p, p.pk in present) for p in people],
            "code": code_now(track.checkin_secret, now),
            "seconds_left": seconds_left(now),
        },
    )


@organisers_only
def reflections(request: HttpRequest, event: Event) -> HttpResponse:
    return _render(
        request, "events/reflections.html", {"event": event, "days": selectors.reflection_summary(event)}
    )


@organisers_only
def participants(request: HttpRequest, event: Event) -> HttpResponse:
    """The participant list with points; task scores and defence tutors are set here."""
    back = reverse("events:participants", args=[event.pk])
    if request.method == "POST":
        try:
            if request.POST.get("action") == "defence":
                tutor = User.objects.filter(pk=_number(request.POST.get("tutor", ""))).first()
                if tutor is None:
                    raise TutornetError(_("Choose one of the organisation's tutors."), field="tutor")
                services.defence_assign(
                    actor=_user(request),
                    membership=_membership(request),
                    block_id=_number(request.POST.get("block", "")),
                    participant_id=_number(request.POST.get("participant", "")),
                    tutor=tutor,
                )
            else:
                services.task_score_set(
                    actor=_user(request),
                    membership=_membership(request),
                    task_id=_number(request.POST.get("task", "")),
                    participant_id=_number(request.POST.get("participant", "")),
                    points=_number(request.POST.get("points", ""), default=-1),
                )
        except TutornetError as exc:
            return refused(request, exc, back)
        messages.success(request, _("Saved."))
        return redirect(back)
    tutors = list(
        User.objects.filter(
            memberships__organisation=request.tenant,  # type: ignore[attr-defined]
            memberships__role=Role.TUTOR,
            memberships__is_active=True,
        ).order_by("last_name")
    )
    return _render(
        request,
        "events/participants.html",
        {
            "event": event,
            "rows": selectors.points_board(event),
            "tasks": list(event.tasks.all()),
            "defences": list(Block.objects.filter(day__event=event, kind=Block.Kind.DEFENCE)),
            "tutors": tutors,
        },
    )


@organisers_only
@require_POST
def certificates(request: HttpRequest, event: Event) -> HttpResponse:
    try:
        count = services.event_certificates_issue(
            actor=_user(request), membership=_membership(request), event_id=event.pk
        )
    except TutornetError as exc:
        return refused(request, exc, manage_url(event))
    messages.success(request, _("Certificates issued: %(count)d.") % {"count": count})
    return redirect(manage_url(event))
