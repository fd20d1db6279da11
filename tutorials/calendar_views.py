"""The district calendar page: a month or a week of what the organisation offers."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tenants.models import Subject

from . import calendar, permissions
from .models import Kind
from .views import _int, _page, district, membership, participants_only


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@participants_only
def district_calendar(request: HttpRequest) -> HttpResponse:
    zone = request.tenant.zone  # type: ignore[attr-defined]
    today = timezone.localtime(timezone.now(), zone).date()
    view = "week" if request.GET.get("view") == "week" else "month"
    anchor = _day(request.GET.get("day"), today)
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        weeks = [[monday + timedelta(days=i) for i in range(7)]]
        previous, following = monday - timedelta(days=7), monday + timedelta(days=7)
    else:
        weeks = calendar.month_grid(anchor)
        first = anchor.replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
    days = [day for week in weeks for day in week]
    start, end = calendar.local_bounds(days, zone)
    subject_id = _int(request.GET.get("subject"))
    categories = [
        *Kind.choices,
        ("consultation", calendar._("group consultation")),
        ("help_hour", calendar._("Help Hour")),
    ]
    category = request.GET.get("kind") or None
    if category not in {value for value, _label in categories}:
        category = None
    staff = permissions.is_staff(membership(request))
    found = calendar.entries(
        start=start,
        end=end,
        membership=district(request),
        staff=staff,
        subject_id=subject_id,
        category=category,
    )
    by_day: dict[date, list[calendar.Entry]] = defaultdict(list)
    for entry in found:
        by_day[timezone.localtime(entry.starts_at, zone).date()].append(entry)
    return _page(
        request,
        "tutorials/calendar.html",
        {
            "view": view,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "anchor": anchor,
            "today": today,
            "previous": previous,
            "following": following,
            "subjects": Subject.objects.filter(is_active=True).order_by("name"),
            "categories": categories,
            "subject_id": subject_id,
            "category": category,
            "count": len(found),
        },
    )
