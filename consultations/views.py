"""The consultation pages (server-rendered): browse and book, my consultations,
the tutor's calendar and offerings, the ratings.

Views are thin: they ask ``consultations.permissions``, parse a form, call one
service or selector and render.  A ``TutornetError`` from a service becomes a
form error or a message (a missing or someone else's booking is a 404, like a
missing one); never a 500.  Times are shown in the organisation's time zone
(the templates wrap their content in ``{% timezone zone %}``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Membership, User
from tenants.models import Organisation, Subject
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError
from tutornet.pages import forbidden, form_error, refused

from . import ics, permissions, selectors, services, video
from .forms import (
    WEEKDAYS,
    CancelForm,
    ExceptionForm,
    MarkForm,
    OfferingForm,
    QuestionForm,
    RatingForm,
    RescheduleForm,
    WindowFormSet,
)
from .models import AvailabilityException, Booking, Offering, Slot, WaitlistEntry

View = Callable[..., HttpResponse]
DAY = timedelta(days=1)
WEEKDAY_NAMES = dict(WEEKDAYS)


# --- helpers ---------------------------------------------------------------------------------


def _allowed(predicate: Callable[[HttpRequest], bool], message: Callable[[], str]) -> Callable[[View], View]:
    """Sign-in required; then the permission, else the 403 page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not predicate(request):
                return forbidden(request, message())
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def _district(request: HttpRequest) -> Membership | None:
    return getattr(request, "district_membership", None)


def _membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


users_only = _allowed(
    lambda r: permissions.can_use(_district(r)),
    lambda: _("Consultations of this organisation are not open to you."),
)
tutors_only = _allowed(
    lambda r: permissions.is_tutor(_membership(r)), lambda: _("This page is for the organisation's tutors.")
)
offering_managers_only = _allowed(
    lambda r: permissions.can_manage_offering(_membership(r)),
    lambda: _("This page is for the organisation's tutors."),
)
ratings_readers_only = _allowed(
    lambda r: permissions.can_see_ratings(_membership(r)),
    lambda: _("Ratings are for the tutors and the organisation's staff."),
)


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render with what the consultations menu needs to know about the person."""
    membership = _membership(request)
    context = {
        "is_tutor": permissions.is_tutor(membership),
        "can_manage_offerings": permissions.can_manage_offering(membership),
        "can_see_ratings": permissions.can_see_ratings(membership),
        **context,
    }
    return render(request, template, context, status=status)


def _organisation(request: HttpRequest) -> Organisation:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


def _week_start(request: HttpRequest, today: date) -> date:
    """The Monday of ``?week=YYYY-MM-DD`` (any day of that week), else of this week."""
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _back(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return default


def _booking(request: HttpRequest, booking_id: int) -> Booking:
    """A booking the user may see (its teacher or its tutor); anything else is a 404."""
    booking = (
        Booking.objects.select_related(
            "slot", "slot__offering", "slot__offering__subject", "slot__tutor", "teacher"
        )
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or not permissions.can_see_booking(request.user, booking):
        raise Http404
    return booking


def _deadline(booking: Booking) -> datetime:
    return booking.starts_at - timedelta(hours=booking.slot.offering.cancel_deadline_hours)


def _video(slot: Slot, now: datetime) -> dict[str, Any]:
    """Whether the join link is shown now, or when it will be."""
    if not slot.video_room or slot.is_cancelled or now > slot.ends_at:
        return {"video": bool(slot.video_room), "join_open": False, "join_opens_at": None}
    is_open = video.is_join_open(slot, now)
    return {
        "video": True,
        "join_open": is_open,
        "join_opens_at": None if is_open else video.join_opens_at(slot),
    }


def _slot_state(slot: Slot, now: datetime, mine: set[int]) -> str:
    offering = slot.offering
    if slot.pk in mine:
        return "mine"
    if slot.starts_at <= now + timedelta(hours=offering.min_notice_hours):
        return "closed"
    if slot.starts_at > now + timedelta(days=offering.horizon_days):
        return "closed"
    if slot.free_places <= 0:
        return "full"
    return "open"


# --- teachers: browse and book --------------------------------------------------------------


@users_only
def browse(request: HttpRequest) -> HttpResponse:
    """The week view of tutors' slots, by subject and tutor."""
    organisation = _organisation(request)
    zone = organisation.zone
    now = timezone.now()
    week_start = _week_start(request, timezone.localtime(now, zone).date())
    subject_id = _int(request.GET.get("subject"))
    tutor_id = _int(request.GET.get("tutor"))

    subjects = Subject.objects.filter(
        is_active=True, pk__in=Offering.objects.filter(is_active=True).values("subject_id")
    ).order_by("name")
    tutors = [m.user for m in selectors.tutors(organisation=organisation, subject_id=subject_id)]
    slots = [
        s
        for s in selectors.slots_for_week(
            tutor_id=tutor_id, subject_id=subject_id, week_start=week_start, zone=zone
        )
        if s.starts_at > now
    ]
    if not slots and "week" not in request.GET:
        # Nothing left this week (late on a Friday, say): open the week of the next free time.
        upcoming = selectors.free_slots(now=now, subject_id=subject_id, tutor_id=tutor_id).order_by(
            "starts_at"
        )
        first = upcoming.first()
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
    days = [{"date": week_start + i * DAY, "slots": []} for i in range(7)]
    for slot in slots:
        local_day = timezone.localtime(slot.starts_at, zone).date()
        index = (local_day - week_start).days
        if 0 <= index < 7:
            days[index]["slots"].append({"slot": slot, "state": _slot_state(slot, now, mine)})  # type: ignore[attr-defined]
    tutor_ids = sorted({s.tutor_id for s in slots} | ({tutor_id} if tutor_id else set()))
    query = {k: v for k, v in (("subject", subject_id), ("tutor", tutor_id)) if v}
    context = {
        "zone": zone,
        "days": days,
        "week_start": week_start,
        "week_end": week_start + 6 * DAY,
        "prev_week": (week_start - 7 * DAY).isoformat(),
        "next_week": (week_start + 7 * DAY).isoformat(),
        "subjects": subjects,
        "tutors": tutors,
        "subject_id": subject_id,
        "tutor_id": tutor_id,
        "query": "&".join(f"{k}={v}" for k, v in query.items()),
        "tutor_ids": tutor_ids,
        "slot_count": len(slots),
    }
    return _render(request, "consultations/browse.html", context)


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
    if request.method == "POST" and form.is_valid():
        district = _district(request)
        assert district is not None
        arguments = {
            "slot_id": slot.pk,
            "teacher": request.user,
            "teacher_organisation": district.organisation,
            "question": form.cleaned_data["question"],
        }
        try:
            if request.POST.get("waitlist"):
                services.waitlist_join(**arguments)
            else:
                booking = services.booking_create(**arguments)
        except NotFoundError as exc:
            raise Http404(exc.message) from None
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        except TutornetError as exc:
            form_error(form, exc)
            status = exc.status if exc.status != 400 else 200
            slot.refresh_from_db()
        else:
            if request.POST.get("waitlist"):
                messages.success(
                    request, _("You are on the waitlist. When a place frees up, we will offer it to you.")
                )
            else:
                when = ics.local_time(booking.starts_at, _organisation(request).zone)
                messages.success(request, _("Booked: the consultation on %(when)s.") % {"when": when})
            return redirect("consultations:my")
    now = timezone.now()
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
        "zone": _organisation(request).zone,
        "slot": slot,
        "state": _slot_state(slot, now, mine),
        "waiting": waiting,
        "is_group": slot.offering.format == Offering.Format.GROUP,
        "form": form,
        "week": timezone.localtime(slot.starts_at, _organisation(request).zone).date().isoformat(),
    }
    return _render(request, "consultations/book.html", context, status=status)


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
        row: dict[str, Any] = {"booking": booking, **_video(booking.slot, now)}
        active = booking.status == Booking.Status.CONFIRMED and booking.ends_at >= now
        if active:
            row["deadline"] = _deadline(booking)
            row["can_change"] = now < row["deadline"]
            row["join_open"] = row["join_open"] and booking.status == Booking.Status.CONFIRMED
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
        "zone": _organisation(request).zone,
        "upcoming": upcoming,
        "past": past[:50],
        "waitlist": waitlist,
        "now": now,
    }
    return _render(request, "consultations/my.html", context)


@login_required
def booking_ics(request: HttpRequest, booking_id: int) -> HttpResponse:
    """One booking as an .ics file to import into a calendar (the same UID as the e-mails')."""
    booking = _booking(request, booking_id)
    organisation = _organisation(request)
    from .notify import page_link

    body = ics.feed_calendar(
        [booking],
        name=_("Consultations: %(organisation)s") % {"organisation": organisation.short_name},
        link_for=lambda b: page_link(organisation, b, request.user),  # type: ignore[arg-type]
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consultation-{booking.pk}.ics"'
    return response


@login_required
def join(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Send a participant to the video room, within the join window only."""
    slot = Slot.objects.select_related("offering__subject").filter(pk=slot_id).first()
    if slot is None or video.participant_role(slot, request.user) is None:  # type: ignore[arg-type]
        raise Http404
    back = reverse("consultations:calendar" if slot.tutor_id == request.user.pk else "consultations:my")
    url = video.join_url(slot=slot, user=request.user)  # type: ignore[arg-type]
    if url is None:
        opens = ics.local_time(video.join_opens_at(slot), _organisation(request).zone)
        messages.error(request, _("The link appears at %(time)s.") % {"time": opens})
        return redirect(back)
    try:
        video.ensure_meeting(slot.video_room, str(slot.offering))
    except TutornetError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    return redirect(url)


@require_POST
@login_required
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Cancel, by the teacher or the tutor (with a reason); refusals name the deadline."""
    booking = _booking(request, booking_id)
    is_tutor_side = booking.slot.tutor_id == request.user.pk and booking.teacher_id != request.user.pk
    back = _back(request, reverse("consultations:calendar" if is_tutor_side else "consultations:my"))
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        services.booking_cancel(
            booking_id=booking.pk,
            actor=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data.get("reason", ""),
        )
    except TutornetError as exc:
        return refused(request, exc, back)
    messages.success(request, _("The consultation is cancelled."))
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Move a booking to another free time of the same tutor."""
    booking = _booking(request, booking_id)
    is_tutor_side = booking.slot.tutor_id == request.user.pk and booking.teacher_id != request.user.pk
    back = reverse("consultations:calendar" if is_tutor_side else "consultations:my")
    form = RescheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_reschedule(
                booking_id=booking.pk,
                new_slot_id=form.cleaned_data["new_slot"],
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data.get("reason", ""),
            )
        except (NotFoundError, PermissionDeniedError) as exc:
            return refused(request, exc, back)
        except TutornetError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        messages.success(request, _("The consultation is moved."))
        return redirect(back)
    now = timezone.now()
    slots = (
        selectors.free_slots(now=now, tutor_id=booking.slot.tutor_id)
        .filter(offering_id=booking.slot.offering_id)
        .exclude(pk=booking.slot_id)[:60]
    )
    context = {
        "zone": _organisation(request).zone,
        "booking": booking,
        "deadline": _deadline(booking),
        "can_change": booking.status == Booking.Status.CONFIRMED and now < _deadline(booking),
        "slots": slots,
        "is_tutor_side": is_tutor_side,
        "back": back,
    }
    return _render(request, "consultations/reschedule.html", context)


@require_POST
@login_required
def booking_rate(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(request, booking_id)
    back = reverse("consultations:my")
    form = RatingForm(request.POST, prefix=f"r{booking.pk}")
    if not form.is_valid():
        messages.error(request, _("Rate from 1 to 5."))
        return redirect(back)
    try:
        services.booking_rate(
            booking_id=booking.pk,
            teacher=request.user,  # type: ignore[arg-type]
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except TutornetError as exc:
        return refused(request, exc, back)
    messages.success(request, _("Thank you for the rating."))
    return redirect(back)


@require_POST
@login_required
def waitlist_answer(request: HttpRequest, entry_id: int, answer: str) -> HttpResponse:
    """Confirm a place offered from the waitlist, or decline it (leave the waitlist)."""
    back = reverse("consultations:my")
    try:
        if answer == "confirm":
            services.waitlist_confirm(entry_id=entry_id, teacher=request.user)  # type: ignore[arg-type]
            messages.success(request, _("The place is yours: the consultation is booked."))
        else:
            services.waitlist_decline(entry_id=entry_id, teacher=request.user)  # type: ignore[arg-type]
            messages.success(request, _("You left the waitlist."))
    except TutornetError as exc:
        return refused(request, exc, back)
    return redirect(back)


# --- tutors: calendar, marking, offerings ---------------------------------------------------


@tutors_only
def calendar(request: HttpRequest) -> HttpResponse:
    """The tutor's bookings of a week, by day, with each teacher's name, school and question."""
    organisation = _organisation(request)
    zone = organisation.zone
    now = timezone.now()
    tutor: User = request.user  # type: ignore[assignment]
    week_start = _week_start(request, timezone.localtime(now, zone).date())
    bookings = selectors.tutor_calendar(
        tutor=tutor, date_from=week_start, date_to=week_start + 6 * DAY
    ).select_related("teacher_organisation", "rating")
    days = [{"date": week_start + i * DAY, "bookings": []} for i in range(7)]
    for booking in bookings:
        index = (timezone.localtime(booking.starts_at, zone).date() - week_start).days
        if not 0 <= index < 7:
            continue
        deadline = _deadline(booking)
        row = {
            "booking": booking,
            **_video(booking.slot, now),
            "deadline": deadline,
            "can_cancel": booking.status == Booking.Status.CONFIRMED and now < deadline,
            "can_mark": booking.starts_at <= now,
            "mark_form": MarkForm(
                initial={
                    "status": booking.status if booking.status != Booking.Status.CONFIRMED else "held",
                    "outcome_note": booking.outcome_note,
                },
                prefix=f"m{booking.pk}",
            ),
        }
        if booking.status != Booking.Status.CONFIRMED:
            row["join_open"] = False
            row["join_opens_at"] = None
        days[index]["bookings"].append(row)  # type: ignore[attr-defined]
    summary = list(selectors.tutor_rating_summary(tutor=tutor))
    context = {
        "zone": zone,
        "days": days,
        "week_start": week_start,
        "week_end": week_start + 6 * DAY,
        "prev_week": (week_start - 7 * DAY).isoformat(),
        "next_week": (week_start + 7 * DAY).isoformat(),
        "ratings": selectors.tutor_ratings(tutor=tutor)[:20],
        "summary": summary[0] if summary else None,
    }
    return _render(request, "consultations/calendar.html", context)


@require_POST
@tutors_only
def booking_mark(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(request, booking_id)
    local_day = timezone.localtime(booking.starts_at, _organisation(request).zone).date()
    back = f"{reverse('consultations:calendar')}?week={local_day.isoformat()}"
    form = MarkForm(request.POST, prefix=f"m{booking.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose held or did not come."))
        return redirect(back)
    try:
        services.booking_mark(
            booking_id=booking.pk,
            actor=request.user,  # type: ignore[arg-type]
            status=form.cleaned_data["status"],
            outcome_note=form.cleaned_data["outcome_note"],
        )
    except TutornetError as exc:
        return refused(request, exc, back)
    messages.success(request, _("Saved."))
    return redirect(back)


def _managed_offerings(request: HttpRequest) -> Any:
    queryset = Offering.objects.select_related("subject", "tutor").prefetch_related("weekly")
    if permissions.is_admin(_membership(request)):
        return queryset.order_by("tutor__last_name", "subject__name", "pk")
    return queryset.filter(tutor_id=request.user.pk).order_by("subject__name", "pk")


def _tutor_choices(request: HttpRequest) -> list[tuple[int, str]] | None:
    if not permissions.is_admin(_membership(request)):
        return None
    return [(m.user.pk, str(m.user)) for m in selectors.tutors(organisation=_organisation(request))]


def _save_offering(request: HttpRequest, form: OfferingForm, offering: Offering | None) -> Offering | None:
    data = dict(form.cleaned_data)
    tutor_pk = data.pop("tutor", None)
    if offering is not None:
        tutor = offering.tutor
    elif tutor_pk:
        tutor = User.objects.filter(pk=tutor_pk).first() or request.user  # type: ignore[assignment]
    else:
        tutor = request.user  # type: ignore[assignment]
    try:
        return services.offering_save(
            actor=request.user,  # type: ignore[arg-type]
            actor_membership=_membership(request),
            tutor=tutor,
            offering=offering,
            **data,
        )
    except PermissionDeniedError:
        raise
    except TutornetError as exc:
        form_error(form, exc)
        return None


def _regenerate(request: HttpRequest, offerings: list[Offering]) -> int:
    return sum(
        services.slots_generate(offering=offering, organisation=_organisation(request))
        for offering in offerings
    )


@offering_managers_only
@require_http_methods(["GET", "POST"])
def offerings(request: HttpRequest) -> HttpResponse:
    """The tutor's offerings, and a new one."""
    form = OfferingForm(request.POST or None, tutor_choices=_tutor_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            offering = _save_offering(request, form, None)
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        if offering is not None:
            messages.success(request, _("The offering is saved. Now set its weekly hours."))
            return redirect("consultations:offering", offering_id=offering.pk)
    now = timezone.now()
    rows = [
        {
            "offering": offering,
            "upcoming": offering.slots.filter(is_cancelled=False, starts_at__gt=now).count(),
            "windows": [(WEEKDAY_NAMES[w.weekday], w.starts, w.ends) for w in offering.weekly.all()],
        }
        for offering in _managed_offerings(request)
    ]
    return _render(request, "consultations/offerings.html", {"rows": rows, "form": form})


@offering_managers_only
@require_http_methods(["GET", "POST"])
def offering_edit(request: HttpRequest, offering_id: int) -> HttpResponse:
    """One offering: its settings, weekly windows, exceptions, and generating its slots.

    Every change regenerates the slots, so the week view shows it at once.
    """
    offering = _managed_offerings(request).filter(pk=offering_id).first()
    if offering is None or not permissions.can_manage_offering(_membership(request), offering):
        raise Http404
    action = request.POST.get("action") if request.method == "POST" else None
    windows = [{"weekday": w.weekday, "starts": w.starts, "ends": w.ends} for w in offering.weekly.all()]
    form = OfferingForm(
        request.POST if action == "offering" else None,
        initial=OfferingForm.initial_for(offering),
        tutor_choices=None,
    )
    window_formset = WindowFormSet(request.POST if action == "windows" else None, initial=windows, prefix="w")
    exception_form = ExceptionForm(request.POST if action == "exception" else None, prefix="x")
    status = 200
    try:
        if action == "offering" and form.is_valid():
            if _save_offering(request, form, offering) is not None:
                added = _regenerate(request, [offering])
                messages.success(request, _("Saved; %(count)s new slots.") % {"count": added})
                return redirect(request.path)
        elif action == "windows" and window_formset.is_valid():
            chosen = [
                (f.cleaned_data["weekday"], f.cleaned_data["starts"], f.cleaned_data["ends"])
                for f in window_formset.forms
                if f.cleaned_data.get("starts") is not None and f.cleaned_data.get("weekday") is not None
            ]
            try:
                services.weekly_set(offering=offering, windows=chosen, actor=request.user)  # type: ignore[arg-type]
            except PermissionDeniedError:
                raise
            except TutornetError as exc:
                window_formset._non_form_errors = window_formset.error_class([exc.message])  # type: ignore[attr-defined]
            else:
                added = _regenerate(request, [offering])
                messages.success(request, _("Weekly hours saved; %(count)s new slots.") % {"count": added})
                return redirect(request.path)
        elif action == "exception" and exception_form.is_valid():
            data = exception_form.cleaned_data
            for_all = data["all_offerings"] and data["kind"] == AvailabilityException.Kind.UNAVAILABLE
            try:
                services.exception_add(
                    tutor=offering.tutor,
                    kind=data["kind"],
                    date=data["date"],
                    starts=data["starts"],
                    ends=data["ends"],
                    offering=None if for_all else offering,
                    reason=data["reason"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except PermissionDeniedError:
                raise
            except TutornetError as exc:
                form_error(exception_form, exc)
            else:
                affected = (
                    list(Offering.objects.filter(tutor=offering.tutor, is_active=True))
                    if for_all
                    else [offering]
                )
                _regenerate(request, affected)
                messages.success(request, _("The exception is saved and the slots are updated."))
                return redirect(request.path)
        elif action == "generate":
            added = _regenerate(request, [offering])
            messages.success(request, _("Slots generated: %(count)s new.") % {"count": added})
            return redirect(request.path)
        elif action is not None:
            status = 200
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    now = timezone.now()
    exceptions = _exceptions_shown(offering).filter(date__gte=now.date() - DAY).order_by("date", "starts")
    slots = offering.slots.filter(is_cancelled=False, starts_at__gt=now).order_by("starts_at")[:40]
    context = {
        "zone": _organisation(request).zone,
        "offering": offering,
        "form": form,
        "window_formset": window_formset,
        "exception_form": exception_form,
        "exceptions": exceptions,
        "slots": slots,
    }
    return _render(request, "consultations/offering.html", context, status=status)


def _exceptions_shown(offering: Offering) -> Any:
    """The exceptions listed on an offering's page: its own, and its tutor's days off for all offerings."""
    return AvailabilityException.objects.filter(
        Q(offering=offering) | Q(offering__isnull=True, tutor_id=offering.tutor_id)
    )


@require_POST
@offering_managers_only
def exception_delete(request: HttpRequest, offering_id: int, exception_id: int) -> HttpResponse:
    """Remove an exception shown on the offering's page; the slots are generated again."""
    offering = _managed_offerings(request).filter(pk=offering_id).first()
    if offering is None or not _exceptions_shown(offering).filter(pk=exception_id).exists():
        raise Http404
    back = reverse("consultations:offering", kwargs={"offering_id": offering.pk})
    try:
        removed = services.exception_delete(exception_id=exception_id, actor=request.user)  # type: ignore[arg-type]
    except TutornetError as exc:
        return refused(request, exc, back)
    messages.success(request, _("The exception is removed and the slots are updated."))
    if removed.kept:
        messages.warning(
            request,
            ngettext(
                "%(count)s booked consultation in these hours stays: cancel it on the calendar if it "
                "will not take place.",
                "%(count)s booked consultations in these hours stay: cancel them on the calendar if they "
                "will not take place.",
                removed.kept,
            )
            % {"count": removed.kept},
        )
    return redirect(back)


# --- ratings --------------------------------------------------------------------------------


@ratings_readers_only
def ratings(request: HttpRequest) -> HttpResponse:
    """Tutors' average ratings and comments: every tutor's for the staff, one's own for a tutor."""
    membership = _membership(request)
    tutor = None if permissions.can_see_all_ratings(membership) else request.user
    summary = list(selectors.tutor_rating_summary(tutor=tutor))  # type: ignore[arg-type]
    people = User.objects.in_bulk([row["tutor_id"] for row in summary])
    rows = [{**row, "tutor": people.get(row["tutor_id"])} for row in summary]
    rows.sort(key=lambda row: str(row["tutor"]))
    context = {
        "rows": rows,
        "ratings": selectors.tutor_ratings(tutor=tutor)[:200],  # type: ignore[arg-type]
        "zone": _organisation(request).zone,
        "all_tutors": tutor is None,
    }
    return _render(request, "consultations/ratings.html", context)
