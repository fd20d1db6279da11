"""What the consultation pages share: who may open them, the menu's context, small parsers.

Every page wears one decorator from ``tutornet.pages.allowed`` (sign-in, then its
permission from ``consultations.permissions``); a ``TutornetError`` that a page does not
put on a form is answered there, in one place.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import Membership
from tenants.models import Organisation
from tutornet.pages import allowed

from .. import permissions, video
from ..models import Booking, Slot

DAY = timedelta(days=1)
# ``?week=`` outside these days is clamped: a week is shown, never an overflow.
FIRST_WEEK = date(2000, 1, 3)
LAST_WEEK = date(2999, 12, 23)


def district(request: HttpRequest) -> Membership | None:
    return getattr(request, "district_membership", None)


def membership(request: HttpRequest) -> Membership | None:
    return getattr(request, "membership", None)


def organisation(request: HttpRequest) -> Organisation:
    return request.tenant  # type: ignore[attr-defined, no-any-return]


users_only = allowed(
    lambda r: permissions.can_use(district(r)),
    lambda: _("Consultations of this organisation are not open to you."),
)
tutors_only = allowed(
    lambda r: permissions.is_tutor(membership(r)), lambda: _("This page is for the organisation's tutors.")
)
offering_managers_only = allowed(
    lambda r: permissions.can_manage_offering(membership(r)),
    lambda: _("This page is for the organisation's tutors."),
)
ratings_readers_only = allowed(
    lambda r: permissions.can_see_ratings(membership(r)),
    lambda: _("Ratings are for the tutors and the organisation's staff."),
)


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render with what the consultations menu needs to know about the person."""
    person = membership(request)
    context = {
        "is_tutor": permissions.is_tutor(person),
        "can_manage_offerings": permissions.can_manage_offering(person),
        "can_see_ratings": permissions.can_see_ratings(person),
        **context,
    }
    return render(request, template, context, status=status)


def week_start(request: HttpRequest, today: date) -> date:
    """The Monday of ``?week=YYYY-MM-DD`` (any day of that week, clamped to sane years), else of this week."""
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = today
    day = min(max(day, FIRST_WEEK), LAST_WEEK)
    return day - timedelta(days=day.weekday())


def integer(value: Any) -> int | None:
    """A whole number from a query parameter, or None (also beyond PostgreSQL's integers)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**31) <= number < 2**31 else None


def booking_or_404(request: HttpRequest, booking_id: int) -> Booking:
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


def video_state(slot: Slot, now: datetime) -> dict[str, Any]:
    """Whether the join link is shown now, or when it will be."""
    if not slot.video_room or slot.is_cancelled or now > slot.ends_at:
        return {"video": bool(slot.video_room), "join_open": False, "join_opens_at": None}
    is_open = video.is_join_open(slot, now)
    return {
        "video": True,
        "join_open": is_open,
        "join_opens_at": None if is_open else video.join_opens_at(slot),
    }
