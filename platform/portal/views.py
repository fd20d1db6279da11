"""Pages that join the portals: links between them, the person's calendar, tutor and
teacher profiles, and the error pages.  Thin, like every view: the reads are in
``district``, ``calendar_sources`` and ``profiles``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError
from tutornet.pages import forbidden

from . import calendar_sources, district, pictures, profiles

DAY = timedelta(days=1)


def consultations_entry(request: HttpRequest) -> HttpResponse:
    """A school's /consultations/: the school's own tutors when it has any, else the centre's."""
    from consultations import views as consultation_views
    from consultations.models import Offering

    centre = district.centre_of(district.current())
    if (
        centre is not None
        and getattr(request, "district_membership", None) is not None
        and not Offering.objects.filter(is_active=True).exists()
    ):
        query = request.GET.urlencode()
        return redirect(district.go_url(centre, "/consultations/" + (f"?{query}" if query else "")))
    return consultation_views.browse(request)


# --- the calendar -------------------------------------------------------------------------------


def _zone(request: HttpRequest) -> Any:
    organisation = getattr(request, "tenant", None)
    return getattr(organisation, "zone", None) or timezone.get_current_timezone()


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """The person's own calendar: consultations (as teacher and as tutor), Help Hour sessions
    and whatever other features register (``calendar_sources``), by week or by month."""
    if getattr(request, "district_membership", None) is None:
        return forbidden(request, _("This calendar is for the organisation's people."))
    zone = _zone(request)
    today = timezone.localtime(timezone.now(), zone).date()
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = today
    view = "month" if request.GET.get("view") == "month" else "week"
    if view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + 6 * DAY
        previous, following = first - 7 * DAY, first + 7 * DAY
    else:
        month_start = day.replace(day=1)
        first = month_start - timedelta(days=month_start.weekday())
        next_month = (month_start + 32 * DAY).replace(day=1)
        last = next_month - DAY + timedelta(days=6 - (next_month - DAY).weekday())
        previous, following = (month_start - DAY).replace(day=1), next_month
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + DAY, time(0), tzinfo=zone)
    events = calendar_sources.events_for(request, start, end)
    days: list[dict[str, Any]] = []
    by_day: dict[date, list[calendar_sources.Event]] = {}
    for event in events:
        by_day.setdefault(timezone.localtime(event.starts_at, zone).date(), []).append(event)
    current = first
    while current <= last:
        days.append(
            {
                "date": current,
                "events": by_day.get(current, []),
                "today": current == today,
                "outside": view == "month" and current.month != day.month,
            }
        )
        current += DAY
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    context = {
        "view": view,
        "day": day,
        "first": first,
        "last": last,
        "weeks": weeks,
        "event_count": len(events),
        "previous": previous.isoformat(),
        "following": following.isoformat(),
        "today": today.isoformat(),
        "zone": zone,
    }
    return render(request, "portal/calendar.html", context)


# --- profiles --------------------------------------------------------------------------------


@login_required
def tutor_profile(request: HttpRequest, user_id: int) -> HttpResponse:
    """A tutor's page, for those who may book them: subjects, what they help with, offerings, ratings."""
    if getattr(request, "district_membership", None) is None:
        return forbidden(request, _("Tutors' pages are for the organisation's people."))
    profile = profiles.tutor_profile(organisation=request.tenant, user_id=user_id)  # type: ignore[attr-defined]
    if profile is None:
        raise Http404
    return render(request, "portal/tutor_profile.html", {"profile": profile})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The person's own page: their organisations, roles and subjects (and a tutor's photo)."""
    memberships = profiles.memberships_with_subjects(request.user)
    context = {
        "memberships": memberships,
        "is_tutor": any(m.role == "tutor" for m in memberships),
        "photo": pictures.photos_of([request.user.pk]).get(int(request.user.pk or 0)),
        "photo_limit_mb": pictures.max_photo_bytes() // (1024 * 1024),
    }
    return render(request, "portal/me.html", context)


@login_required
@require_POST
def photo_edit(request: HttpRequest) -> HttpResponse:
    """A tutor sets or removes their own photo."""
    try:
        if request.POST.get("remove"):
            pictures.photo_remove(user=request.user, organisation=request.tenant)  # type: ignore[arg-type,attr-defined]
            messages.success(request, _("The photo is removed."))
        else:
            upload = request.FILES.get("photo")
            if upload is None:
                messages.error(request, _("Choose a picture file first."))
            else:
                pictures.photo_set(user=request.user, organisation=request.tenant, upload=upload)  # type: ignore[arg-type,attr-defined]
                messages.success(request, _("The photo is saved."))
    except TutornetError as error:
        messages.error(request, str(error))
    return redirect("portal:me")


def _picture_response(file: object, content_type: str) -> FileResponse:
    response = FileResponse(file.open("rb"), content_type=content_type)  # type: ignore[attr-defined]
    # Behind a sign-in and an access check: browsers may keep it, shared caches may not.
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_GET
def tutor_photo(request: HttpRequest, user_id: int) -> FileResponse:
    try:
        photo = pictures.photo_for(tutor_id=user_id, organisation=request.tenant, viewer=request.user)  # type: ignore[attr-defined]
    except NotFoundError as error:
        raise Http404 from error
    return _picture_response(photo.file, "image/jpeg")


@login_required
@require_POST
def editor_image_upload(request: HttpRequest) -> JsonResponse:
    """A picture the rich-text editor inserts: ``{"url": ...}``, or 400 with ``{"error": ...}``."""
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("Choose a picture file first."), "field": "image"}, status=400)
    organisation: Any = request.tenant  # type: ignore[attr-defined]
    try:
        uploaded = pictures.editor_image_upload(organisation=organisation, actor=request.user, upload=upload)  # type: ignore[arg-type]
    except TutornetError as error:
        status = 403 if isinstance(error, PermissionDeniedError) else 400
        return JsonResponse({"error": str(error), "field": error.field or "image"}, status=status)
    return JsonResponse(
        {"url": uploaded.url, "width": uploaded.image.width, "height": uploaded.image.height}, status=201
    )


@login_required
@require_GET
def editor_image(request: HttpRequest, image_id: int) -> FileResponse:
    try:
        image = pictures.editor_image_for(image_id=image_id, organisation=request.tenant, viewer=request.user)  # type: ignore[attr-defined]
    except NotFoundError as error:
        raise Http404 from error
    return _picture_response(image.file, image.content_type)


# --- error pages ---------------------------------------------------------------------------------


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the error may be the database itself.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)
