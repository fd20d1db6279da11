"""The participant's pages of multi-day events, under /events/ on an organisation's site:
the list, an event with its personal schedule, rating the tracks, checking in, the day's
reflection, own points (and the board when the setting allows), the certificate.

Thin: ``permissions`` decides, one service or selector does the work, a
``TutornetError`` becomes a message on the page it came from (never a 500).  A missing
event, or one this person may not see (another school's internal week), is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Membership, User
from tutornet.errors import TutornetError
from tutornet.pages import refused

from . import permissions, selectors, services
from .models import MAX_RATING, Block, Day, Event, Track


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "district_membership", None)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def visible(request: HttpRequest, event_id: int) -> Event:
    event = Event.objects.filter(pk=event_id).prefetch_related("organisers", "audience_subjects").first()
    if event is None or not permissions.can_see(_membership(request), event):
        raise Http404(_("There is no such event."))
    return event


def event_url(event: Event | int) -> str:
    return reverse("events:event", args=[event if isinstance(event, int) else event.pk])


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    event = context.get("event")
    membership = _membership(request)
    if event is not None:
        context.setdefault("can_manage", permissions.can_manage(membership, event))
    return render(request, template, {"zone": request.tenant.zone, **context})  # type: ignore[attr-defined]


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    membership = _membership(request)
    events = selectors.events_for(membership)
    return _render(
        request,
        "events/list.html",
        {
            "events": events,
            "mine": selectors.registered_event_ids(_user(request)),
            "can_create": permissions.can_create(membership),
        },
    )


@login_required
def event_page(request: HttpRequest, event_id: int) -> HttpResponse:
    event = visible(request, event_id)
    participant = selectors.participant_of(event, _user(request))
    context: dict[str, Any] = {"event": event, "participant": participant}
    if participant is not None:
        context["schedule"] = selectors.schedule_for(event, participant)
        context["rating_open"] = services.rating_window_open(event)
        context["points"] = selectors.points_board(event, only=participant)
        context["certificate"] = services.certificate_of(event, _user(request))
        context["can_see_board"] = permissions.can_see_board(_membership(request), event, is_participant=True)
    else:
        context["days"] = selectors.event_structure(event)
    return _render(request, "events/event.html", context)


def _act(request: HttpRequest, back: str, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except TutornetError as exc:
        return refused(request, exc, back)
    messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def register(request: HttpRequest, event_id: int) -> HttpResponse:
    def action() -> None:
        services.participant_register(
            actor=_user(request), membership=_membership(request), event_id=event_id
        )

    return _act(request, event_url(event_id), action, _("You are registered."))


@login_required
@require_POST
def cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    def action() -> None:
        services.participant_cancel(actor=_user(request), membership=_membership(request), event_id=event_id)

    return _act(request, event_url(event_id), action, _("Your registration is cancelled."))


@login_required
def rate(request: HttpRequest, event_id: int) -> HttpResponse:
    """Rate every track of the event, 0 ("cannot attend") to 5; nothing is pre-chosen."""
    event = visible(request, event_id)
    participant = selectors.participant_of(event, _user(request))
    if participant is None:
        messages.error(request, _("Register for the event first."))
        return redirect(event_url(event))
    blocks = list(
        Block.objects.filter(day__event=event, kind=Block.Kind.TRACKS)
        .select_related("day")
        .prefetch_related("tracks")
        .order_by("starts_at", "pk")
    )
    error = None
    chosen: dict[int, int] = selectors.ratings_of(participant)
    if request.method == "POST":
        values: dict[int, int] = {}
        for block in blocks:
            for track in block.tracks.all():
                raw = request.POST.get(f"track-{track.pk}", "")
                if raw.isdigit():
                    values[track.pk] = int(raw)
        try:
            services.ratings_save(
                actor=_user(request), membership=_membership(request), event_id=event.pk, values=values
            )
        except TutornetError as exc:
            error = exc.message
            chosen = values
        else:
            messages.success(request, _("Your ratings are saved."))
            return redirect(event_url(event))
    for block in blocks:
        for track in block.tracks.all():
            track.current = chosen.get(track.pk)  # type: ignore[attr-defined]
    return _render(
        request,
        "events/rate.html",
        {
            "event": event,
            "blocks": blocks,
            "chosen": chosen,
            "scale": list(range(MAX_RATING + 1)),
            "error": error,
            "window_open": services.rating_window_open(event),
        },
    )


@login_required
@require_POST
def take(request: HttpRequest, event_id: int, track_id: int) -> HttpResponse:
    def action() -> None:
        services.track_take(actor=_user(request), membership=_membership(request), track_id=track_id)

    return _act(request, event_url(event_id), action, _("You have a place in this track."))


@login_required
@require_POST
def check_in(request: HttpRequest, event_id: int, track_id: int) -> HttpResponse:
    def action() -> None:
        services.check_in(
            actor=_user(request),
            membership=_membership(request),
            track_id=track_id,
            code=request.POST.get("code", ""),
        )

    return _act(request, event_url(event_id), action, _("You are checked in."))


@login_required
def reflection(request: HttpRequest, event_id: int, day_id: int) -> HttpResponse:
    event = visible(request, event_id)
    day = Day.objects.filter(pk=day_id, event=event).prefetch_related("questions").first()
    if day is None:
        raise Http404(_("There is no such day."))
    participant = selectors.participant_of(event, _user(request))
    questions = list(day.questions.all())
    written = (
        dict(participant.answers.filter(question__day=day).values_list("question_id", "text"))
        if participant
        else {}
    )
    error = None
    if request.method == "POST":
        answers = {q.pk: request.POST.get(f"question-{q.pk}", "") for q in questions}
        try:
            services.reflection_write(
                actor=_user(request), membership=_membership(request), day_id=day.pk, answers=answers
            )
        except TutornetError as exc:
            error, written = exc.message, answers
        else:
            messages.success(request, _("Thank you: your reflection is saved."))
            return redirect(event_url(event))
    rows = [(q, written.get(q.pk, "")) for q in questions]
    return _render(
        request, "events/reflection.html", {"event": event, "day": day, "rows": rows, "error": error}
    )


@login_required
def board(request: HttpRequest, event_id: int) -> HttpResponse:
    event = visible(request, event_id)
    participant = selectors.participant_of(event, _user(request))
    if not permissions.can_see_board(_membership(request), event, is_participant=participant is not None):
        raise Http404(_("The points board of this event is not open to participants."))
    rows = selectors.points_board(event)
    return _render(request, "events/board.html", {"event": event, "rows": rows, "participant": participant})


@login_required
@require_POST
def certificate(request: HttpRequest, event_id: int) -> HttpResponse:
    try:
        issued = services.event_certificate(
            actor=_user(request), membership=_membership(request), event_id=event_id
        )
    except TutornetError as exc:
        return refused(request, exc, event_url(event_id))
    return redirect("tutorials:certificate-pdf", certificate_id=issued.pk)


def track_of(event: Event, track_id: int) -> Track:
    track = Track.objects.filter(pk=track_id, block__day__event=event).select_related("block__day").first()
    if track is None:
        raise Http404(_("There is no such track."))
    return track
