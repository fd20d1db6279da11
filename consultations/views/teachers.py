"""The teacher's pages: browse and book, my consultations, cancel, move, rate, the waitlist.

Thin: a page asks ``consultations.permissions`` (through its decorator), parses a form,
calls one service or selector and renders.  Times are shown in the organisation's time
zone (the templates wrap their content in ``{% timezone zone %}``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenants.models import Subject
from tutornet.errors import TutornetError
from tutornet.pages import act, back_to, form_error, signed_in, submit

from .. import ics, rules, selectors, services, video
from ..forms import CancelForm, QuestionForm, RatingForm, RescheduleForm
from ..models import Booking, Offering, Slot, WaitlistEntry
from ._common import (
    DAY,
    booking_or_404,
    district,
    integer,
    organisation,
    render_page,
    users_only,
    video_state,
    week_start,
)


def slot_state(slot: Slot, now: datetime, mine: set[int]) -> str:
    """How the week view shows a slot: mine, closed (``rules.closed_reason``), full or open."""
    if slot.pk in mine:
        return "mine"
    if rules.closed_reason(slot, now) is not None:
        return "closed"
    if slot.free_places <= 0:
        return "full"
    return "open"


@users_only
def browse(request: HttpRequest) -> HttpResponse:
    """The week view of tutors' slots, by subject and tutor."""
    here = organisation(request)
    zone = here.zone
    now = timezone.now()
    monday = week_start(request, timezone.localtime(now, zone).date())
    subject_id = integer(request.GET.get("subject"))
    tutor_id = integer(request.GET.get("tutor"))

    subjects = Subject.objects.filter(
        is_active=True, pk__in=Offering.objects.filter(is_active=True).values("subject_id")
    ).order_by("name")
    tutors = [m.user for m in selectors.tutors(organisation=here, subject_id=subject_id)]
    slots = [
        s
        for s in selectors.slots_for_week(
            tutor_id=tutor_id, subject_id=subject_id, week_start=monday, zone=zone
        )
        if s.starts_at > now
    ]
    if not slots and "week" not in request.GET:
        # Nothing left this week (late on a Friday, say): open the week of the next free time.
        first = selectors.free_slots(now=now, subject_id=subject_id, tutor_id=tutor_id).first()
        if first is not None:
            query = {
                "subject": subject_id,
                "tutor": tutor_id,
                "week": timezone.localtime(first.starts_at, zone).date(),
            }
            return redirect(f"{request.path}?" + urlencode({k: v for k, v in query.items() if v}))
    mine = set(
        Booking.objects.filter(teacher_id=request.user.pk, slot__in=[s.pk for s in slots])
        .exclude(status=Booking.Status.CANCELLED)
        .values_list("slot_id", flat=True)
    )
    days: list[dict[str, Any]] = [{"date": monday + i * DAY, "slots": []} for i in range(7)]
    for slot in slots:
        index = (timezone.localtime(slot.starts_at, zone).date() - monday).days
        if 0 <= index < 7:
            days[index]["slots"].append({"slot": slot, "state": slot_state(slot, now, mine)})
    tutor_ids = sorted({s.tutor_id for s in slots} | ({tutor_id} if tutor_id else set()))
    query = {k: v for k, v in (("subject", subject_id), ("tutor", tutor_id)) if v}
    context = {
        "zone": zone,
        "days": days,
        "week_start": monday,
        "week_end": monday + 6 * DAY,
        "prev_week": (monday - 7 * DAY).isoformat(),
        "next_week": (monday + 7 * DAY).isoformat(),
        "subjects": subjects,
        "tutors": tutors,
        "subject_id": subject_id,
        "tutor_id": tutor_id,
        "query": "&".join(f"{k}={v}" for k, v in query.items()),
        "tutor_ids": tutor_ids,
        "slot_count": len(slots),
    }
    return render_page(request, "consultations/browse.html", context)


@users_only
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Book a slot with the question the teacher brings; a full group slot offers the waitlist."""
    slot = (
        Slot.objects.select_related("offering", "offering__subject", "tutor")
        .filter(pk=slot_id, is_cancelled=False, offering__is_active=True)
        .first()
    )
    if slot is None:
        raise Http404
    form = QuestionForm(request.POST or None)
    status = 200
    waitlist = bool(request.POST.get("waitlist"))
    zone = organisation(request).zone

    def run(data: dict[str, Any]) -> Any:
        member = district(request)
        assert member is not None  # users_only let only such people in
        arguments = {
            "slot_id": slot.pk,
            "teacher": request.user,
            "teacher_organisation": member.organisation,
            "question": data["question"],
        }
        if waitlist:
            return services.waitlist_join(**arguments)
        return services.booking_create(**arguments)

    def refused_on_form(form: Any, exc: TutornetError) -> None:
        nonlocal status
        form_error(form, exc)
        status = exc.status if exc.status != 400 else 200
        slot.refresh_from_db()

    def done(result: Any) -> str:
        if waitlist:
            return _("You are on the waitlist. When a place frees up, we will offer it to you.")
        return _("Booked: the consultation on %(when)s.") % {"when": ics.local_time(result.starts_at, zone)}

    answer = submit(
        request, form, run, success=done, to=reverse("consultations:my"), on_error=refused_on_form
    )
    if answer is not None:
        return answer
    mine = set(
        Booking.objects.filter(teacher_id=request.user.pk, slot=slot)
        .exclude(status=Booking.Status.CANCELLED)
        .values_list("slot_id", flat=True)
    )
    waiting = WaitlistEntry.objects.filter(
        slot=slot,
        teacher_id=request.user.pk,
        status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED),
    ).exists()
    context = {
        "zone": zone,
        "slot": slot,
        "state": slot_state(slot, timezone.now(), mine),
        "waiting": waiting,
        "is_group": slot.offering.format == Offering.Format.GROUP,
        "form": form,
        "week": timezone.localtime(slot.starts_at, zone).date().isoformat(),
    }
    return render_page(request, "consultations/book.html", context, status=status)


@users_only
def my(request: HttpRequest) -> HttpResponse:
    """My consultations: upcoming and past, with the join link, .ics, cancel, reschedule, rating."""
    now = timezone.now()
    bookings = list(
        selectors.teacher_bookings(teacher=request.user).select_related(  # type: ignore[arg-type]
            "rating", "cancelled_by"
        )
    )
    upcoming, past = [], []
    for booking in bookings:
        row: dict[str, Any] = {"booking": booking, **video_state(booking.slot, now)}
        if booking.status == Booking.Status.CONFIRMED and booking.ends_at >= now:
            row["deadline"] = rules.change_deadline(booking)
            row["can_change"] = rules.can_change(booking, now)
            upcoming.append(row)
        else:
            row["join_open"] = False
            row["join_opens_at"] = None
            if booking.status == Booking.Status.HELD:
                rating = getattr(booking, "rating", None)
                initial = {"score": rating.score, "comment": rating.comment} if rating else None
                row["rating_form"] = RatingForm(initial=initial, prefix=f"r{booking.pk}")
            past.append(row)
    past.reverse()
    waitlist = (
        WaitlistEntry.objects.select_related("slot", "slot__offering__subject", "slot__tutor")
        .filter(
            teacher_id=request.user.pk,
            status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED),
        )
        .order_by("slot__starts_at")
    )
    context = {
        "zone": organisation(request).zone,
        "upcoming": upcoming,
        "past": past[:50],
        "waitlist": waitlist,
        "now": now,
    }
    return render_page(request, "consultations/my.html", context)


@signed_in
def booking_ics(request: HttpRequest, booking_id: int) -> HttpResponse:
    """One booking as an .ics file to import into a calendar (the same UID as the e-mails')."""
    booking = booking_or_404(request, booking_id)
    here = organisation(request)
    from ..notify import page_link

    body = ics.feed_calendar(
        [booking],
        name=_("Consultations: %(organisation)s") % {"organisation": here.short_name},
        link_for=lambda b: page_link(here, b, request.user),  # type: ignore[arg-type]
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consultation-{booking.pk}.ics"'
    return response


@signed_in
def join(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Send a participant to the video room, within the join window only."""
    slot = Slot.objects.select_related("offering__subject").filter(pk=slot_id).first()
    if slot is None or video.participant_role(slot, request.user) is None:  # type: ignore[arg-type]
        raise Http404
    back = reverse("consultations:calendar" if slot.tutor_id == request.user.pk else "consultations:my")
    url = video.join_url(slot=slot, user=request.user)  # type: ignore[arg-type]
    if url is None:
        opens = ics.local_time(video.join_opens_at(slot), organisation(request).zone)
        messages.error(request, _("The link appears at %(time)s.") % {"time": opens})
        return redirect(back)
    return act(
        request,
        lambda: video.ensure_meeting(slot.video_room, str(slot.offering)),
        success="",
        back=back,
        to=url,
    )


def _tutor_side(request: HttpRequest, booking: Booking) -> bool:
    return booking.slot.tutor_id == request.user.pk and booking.teacher_id != request.user.pk


@require_POST
@signed_in
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Cancel, by the teacher or the tutor (with a reason); refusals name the deadline."""
    booking = booking_or_404(request, booking_id)
    back = back_to(
        request, reverse("consultations:calendar" if _tutor_side(request, booking) else "consultations:my")
    )
    form = CancelForm(request.POST)
    form.is_valid()
    return act(
        request,
        lambda: services.booking_cancel(
            booking_id=booking.pk,
            actor=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data.get("reason", ""),
        ),
        success=_("The consultation is cancelled."),
        back=back,
    )


@signed_in
@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Move a booking to another free time of the same tutor (a refusal is a message on this page)."""
    booking = booking_or_404(request, booking_id)
    is_tutor_side = _tutor_side(request, booking)
    back = reverse("consultations:calendar" if is_tutor_side else "consultations:my")
    form = RescheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return act(
            request,
            lambda: services.booking_reschedule(
                booking_id=booking.pk,
                new_slot_id=form.cleaned_data["new_slot"],
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data.get("reason", ""),
            ),
            success=_("The consultation is moved."),
            back=request.path,
            to=back,
        )
    now = timezone.now()
    slots = (
        selectors.free_slots(now=now, tutor_id=booking.slot.tutor_id)
        .filter(offering_id=booking.slot.offering_id)
        .exclude(pk=booking.slot_id)[:60]
    )
    context = {
        "zone": organisation(request).zone,
        "booking": booking,
        "deadline": rules.change_deadline(booking),
        "can_change": rules.can_change(booking, now),
        "slots": slots,
        "is_tutor_side": is_tutor_side,
        "back": back,
    }
    return render_page(request, "consultations/reschedule.html", context)


@require_POST
@signed_in
def booking_rate(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = booking_or_404(request, booking_id)
    back = reverse("consultations:my")
    form = RatingForm(request.POST, prefix=f"r{booking.pk}")
    if not form.is_valid():
        messages.error(request, _("Rate from 1 to 5."))
        return redirect(back)
    return act(
        request,
        lambda: services.booking_rate(
            booking_id=booking.pk,
            teacher=request.user,  # type: ignore[arg-type]
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        ),
        success=_("Thank you for the rating."),
        back=back,
    )


@require_POST
@signed_in
def waitlist_answer(request: HttpRequest, entry_id: int, answer: str) -> HttpResponse:
    """Confirm a place offered from the waitlist, or decline it (leave the waitlist)."""
    teacher = request.user
    if answer == "confirm":
        run: Any = lambda: services.waitlist_confirm(entry_id=entry_id, teacher=teacher)  # type: ignore[arg-type]  # noqa: E731
        done = _("The place is yours: the consultation is booked.")
    else:
        run = lambda: services.waitlist_decline(entry_id=entry_id, teacher=teacher)  # type: ignore[arg-type]  # noqa: E731
        done = _("You left the waitlist.")
    return act(request, run, success=done, back=reverse("consultations:my"))
