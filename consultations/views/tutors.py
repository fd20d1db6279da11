"""The tutor's and the staff's pages: the calendar and marking, offerings and their hours, ratings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from tutornet.errors import PermissionDeniedError, TutornetError
from tutornet.pages import act, form_error, submit

from .. import permissions, rules, selectors, services
from ..forms import MARK_CHOICES, WEEKDAYS, ExceptionForm, MarkForm, OfferingForm, WindowFormSet
from ..models import AvailabilityException, Booking, Offering
from ._common import (
    DAY,
    booking_or_404,
    membership,
    offering_managers_only,
    organisation,
    ratings_readers_only,
    render_page,
    tutors_only,
    video_state,
    week_start,
)

WEEKDAY_NAMES = dict(WEEKDAYS)


@tutors_only
def calendar(request: HttpRequest) -> HttpResponse:
    """The tutor's bookings of a week, by day, with each teacher's name, school and question."""
    zone = organisation(request).zone
    now = timezone.now()
    tutor: User = request.user  # type: ignore[assignment]
    monday = week_start(request, timezone.localtime(now, zone).date())
    bookings = selectors.tutor_calendar(
        tutor=tutor, date_from=monday, date_to=monday + 6 * DAY
    ).select_related("teacher_organisation", "rating")
    days: list[dict[str, Any]] = [{"date": monday + i * DAY, "bookings": []} for i in range(7)]
    for booking in bookings:
        index = (timezone.localtime(booking.starts_at, zone).date() - monday).days
        if not 0 <= index < 7:
            continue
        row = {
            "booking": booking,
            **video_state(booking.slot, now),
            "deadline": rules.change_deadline(booking),
            "can_cancel": rules.can_change(booking, now),
            "can_mark": booking.starts_at <= now,
            "mark_status": booking.status if booking.status != Booking.Status.CONFIRMED else "held",
        }
        if booking.status != Booking.Status.CONFIRMED:
            row["join_open"] = False
            row["join_opens_at"] = None
        days[index]["bookings"].append(row)
    summary = list(selectors.tutor_rating_summary(tutor=tutor))
    context = {
        "zone": zone,
        "days": days,
        "week_start": monday,
        "week_end": monday + 6 * DAY,
        "prev_week": (monday - 7 * DAY).isoformat(),
        "next_week": (monday + 7 * DAY).isoformat(),
        "ratings": selectors.tutor_ratings(tutor=tutor)[:20],
        "summary": summary[0] if summary else None,
        # The mark form's words, translated once for every row (the same as MarkForm's).
        "how_it_went": MarkForm.base_fields["status"].label,
        "held_label": dict(MARK_CHOICES)[Booking.Status.HELD],
        "no_show_label": dict(MARK_CHOICES)[Booking.Status.NO_SHOW],
        "outcome_label": MarkForm.base_fields["outcome_note"].label,
        "save_label": _("Save"),
    }
    return render_page(request, "consultations/calendar.html", context)


@require_POST
@tutors_only
def booking_mark(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = booking_or_404(request, booking_id)
    local_day = timezone.localtime(booking.starts_at, organisation(request).zone).date()
    back = f"{reverse('consultations:calendar')}?week={local_day.isoformat()}"
    form = MarkForm(request.POST, prefix=f"m{booking.pk}")
    if "application/json" in request.headers.get("Accept", ""):
        # static/js/consultations_mark.js: the row updates in place; the week is not rendered again.
        return _mark_in_place(request, booking.pk, form)
    if not form.is_valid():
        messages.error(request, _("Choose held or did not come."))
        return redirect(back)
    return act(
        request,
        lambda: services.booking_mark(
            booking_id=booking.pk,
            actor=request.user,  # type: ignore[arg-type]
            status=form.cleaned_data["status"],
            outcome_note=form.cleaned_data["outcome_note"],
        ),
        success=_("Saved."),
        back=back,
    )


def _mark_in_place(request: HttpRequest, booking_id: int, form: MarkForm) -> JsonResponse:
    if not form.is_valid():
        return JsonResponse({"error": _("Choose held or did not come."), "field": "status"}, status=400)
    try:
        booking = services.booking_mark(
            booking_id=booking_id,
            actor=request.user,  # type: ignore[arg-type]
            status=form.cleaned_data["status"],
            outcome_note=form.cleaned_data["outcome_note"],
        )
    except TutornetError as error:
        status = 403 if isinstance(error, PermissionDeniedError) else 409
        return JsonResponse({"error": str(error), "field": error.field}, status=status)
    return JsonResponse(
        {
            "status": booking.status,
            "status_display": str(booking.get_status_display()),
            "message": _("Saved."),
        }
    )


def _managed_offerings(request: HttpRequest) -> Any:
    queryset = Offering.objects.select_related("subject", "tutor").prefetch_related("weekly")
    if permissions.is_admin(membership(request)):
        return queryset.order_by("tutor__last_name", "subject__name", "pk")
    return queryset.filter(tutor_id=request.user.pk).order_by("subject__name", "pk")


def _tutor_choices(request: HttpRequest) -> list[tuple[int, str]] | None:
    if not permissions.is_admin(membership(request)):
        return None
    return [(m.user.pk, str(m.user)) for m in selectors.tutors(organisation=organisation(request))]


def _offering_saver(request: HttpRequest, offering: Offering | None) -> Any:
    """The service call of the offering form (a new offering's tutor: the chosen one, or the actor)."""

    def save(data: dict[str, Any]) -> Offering:
        data = dict(data)
        tutor_pk = data.pop("tutor", None)
        if offering is not None:
            tutor = offering.tutor
        elif tutor_pk:
            tutor = User.objects.filter(pk=tutor_pk).first() or request.user  # type: ignore[assignment]
        else:
            tutor = request.user  # type: ignore[assignment]
        return services.offering_save(
            actor=request.user,  # type: ignore[arg-type]
            actor_membership=membership(request),
            tutor=tutor,
            offering=offering,
            **data,
        )

    return save


@offering_managers_only
@require_http_methods(["GET", "POST"])
def offerings(request: HttpRequest) -> HttpResponse:
    """The tutor's offerings, and a new one."""
    form = OfferingForm(request.POST or None, tutor_choices=_tutor_choices(request))
    answer = submit(
        request,
        form,
        _offering_saver(request, None),
        success=_("The offering is saved. Now set its weekly hours."),
        to=lambda offering: reverse("consultations:offering", kwargs={"offering_id": offering.pk}),
    )
    if answer is not None:
        return answer
    now = timezone.now()
    managed = _managed_offerings(request).annotate(
        upcoming=Count("slots", filter=Q(slots__is_cancelled=False, slots__starts_at__gt=now))
    )
    rows = [
        {
            "offering": offering,
            "upcoming": offering.upcoming,
            "windows": [(WEEKDAY_NAMES[w.weekday], w.starts, w.ends) for w in offering.weekly.all()],
        }
        for offering in managed
    ]
    return render_page(request, "consultations/offerings.html", {"rows": rows, "form": form})


def _formset_error(formset: Any, exc: TutornetError) -> None:
    formset._non_form_errors = formset.error_class([exc.message])


@offering_managers_only
@require_http_methods(["GET", "POST"])
def offering_edit(request: HttpRequest, offering_id: int) -> HttpResponse:
    """One offering: its settings, weekly windows, exceptions, and generating its slots.

    Every change regenerates the slots in the service's own transaction, so the week
    view shows it at once and no booking sees the old slots.
    """
    offering = _managed_offerings(request).filter(pk=offering_id).first()
    if offering is None or not permissions.can_manage_offering(membership(request), offering):
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
    actor: User = request.user  # type: ignore[assignment]
    answer = None
    if action == "offering":
        answer = submit(
            request,
            form,
            _offering_saver(request, offering),
            success=_("Saved; the slots are updated."),
            to=request.path,
        )
    elif action == "windows":
        answer = submit(
            request,
            window_formset,
            lambda _data: services.weekly_set(
                offering=offering,
                windows=[
                    (f.cleaned_data["weekday"], f.cleaned_data["starts"], f.cleaned_data["ends"])
                    for f in window_formset.forms
                    if f.cleaned_data.get("starts") is not None and f.cleaned_data.get("weekday") is not None
                ],
                actor=actor,
            ),
            success=_("Weekly hours saved; the slots are updated."),
            to=request.path,
            on_error=_formset_error,
        )
    elif action == "exception":

        def add(data: dict[str, Any]) -> AvailabilityException:
            for_all = data["all_offerings"] and data["kind"] == AvailabilityException.Kind.UNAVAILABLE
            return services.exception_add(
                tutor=offering.tutor,
                kind=data["kind"],
                date=data["date"],
                starts=data["starts"],
                ends=data["ends"],
                offering=None if for_all else offering,
                reason=data["reason"],
                actor=actor,
            )

        answer = submit(
            request,
            exception_form,
            add,
            success=_("The exception is saved and the slots are updated."),
            to=request.path,
            on_error=form_error,
        )
    elif action == "generate":
        added = services.slots_generate(offering=offering, organisation=organisation(request))
        messages.success(request, _("Slots generated: %(count)s new.") % {"count": added})
        return redirect(request.path)
    if answer is not None:
        return answer
    now = timezone.now()
    exceptions = _exceptions_shown(offering).filter(date__gte=now.date() - DAY).order_by("date", "starts")
    slots = offering.slots.filter(is_cancelled=False, starts_at__gt=now).order_by("starts_at")[:40]
    context = {
        "zone": organisation(request).zone,
        "offering": offering,
        "form": form,
        "window_formset": window_formset,
        "exception_form": exception_form,
        "exceptions": exceptions,
        "slots": slots,
    }
    return render_page(request, "consultations/offering.html", context)


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

    def done(removed: services.ExceptionRemoved) -> str:
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
        return _("The exception is removed and the slots are updated.")

    return act(
        request,
        lambda: services.exception_delete(exception_id=exception_id, actor=request.user),  # type: ignore[arg-type]
        success=done,
        back=reverse("consultations:offering", kwargs={"offering_id": offering.pk}),
    )


@ratings_readers_only
def ratings(request: HttpRequest) -> HttpResponse:
    """Tutors' average ratings and comments: every tutor's for the staff, one's own for a tutor."""
    tutor = None if permissions.can_see_all_ratings(membership(request)) else request.user
    summary = list(selectors.tutor_rating_summary(tutor=tutor))  # type: ignore[arg-type]
    people = User.objects.in_bulk([row["tutor_id"] for row in summary])
    rows = [{**row, "tutor": people.get(row["tutor_id"])} for row in summary]
    rows.sort(key=lambda row: str(row["tutor"]))
    context = {
        "rows": rows,
        "ratings": selectors.tutor_ratings(tutor=tutor)[:200],  # type: ignore[arg-type]
        "zone": organisation(request).zone,
        "all_tutors": tutor is None,
    }
    return render_page(request, "consultations/ratings.html", context)
