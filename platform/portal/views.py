"""Pages that join the portals: links between them, the person's calendar, tutor and
teacher profiles, and the error pages.  Thin, like every view: the reads are in
``district``, ``calendar_sources`` and ``profiles``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tutornet.pages import forbidden

from . import calendar_sources, district, profiles

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
    """The person's own page: their organisations, roles and subjects."""
    return render(
        request, "portal/me.html", {"memberships": profiles.memberships_with_subjects(request.user)}
    )


# --- error pages ---------------------------------------------------------------------------------


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the error may be the database itself.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)
