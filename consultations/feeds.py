"""Calendar feed views: the personal ICS feed and the page that manages its URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.selectors import district_membership_for
from tenants.selectors import organisation_url
from tutornet.pages import forbidden

from . import ics
from .models import Booking
from .notify import current_organisation, page_link
from .permissions import can_use
from .services.feeds import (
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_feed_token,
    feed_by_token,
    live_feed,
)

# How far back the feed reaches.
FEED_PAST = timedelta(days=30)

# Other apps' events in the same personal feed: functions (user, organisation, since) -> VEVENT
# line lists, registered in their AppConfig.ready() (tutorials adds the person's tutorials).
FEED_SOURCES: list[Callable[..., list[list[str]]]] = []


def feed_bookings(user, *, now=None):  # type: ignore[no-untyped-def]
    """The person's consultations here, as teacher and as tutor: not cancelled, from 30 days ago."""
    since = (now or timezone.now()) - FEED_PAST
    return (
        Booking.objects.filter(Q(teacher=user) | Q(slot__tutor=user), starts_at__gte=since)
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("teacher", "slot__tutor", "slot__offering__subject")
        .order_by("starts_at")
    )


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The ICS feed: no session (calendar apps fetch it); the secret token is the key."""
    calendar_feed = feed_by_token(token)
    organisation = current_organisation()
    # A feed stops working when its owner may no longer use this organisation's services.
    if calendar_feed is None or not can_use(district_membership_for(calendar_feed.user, organisation)):
        raise Http404
    user = calendar_feed.user
    body = ics.feed_calendar(
        feed_bookings(user),
        name=_("Consultations: %(organisation)s") % {"organisation": organisation.short_name},
        link_for=lambda booking: page_link(organisation, booking, user),
        extra_events=[
            lines
            for source in FEED_SOURCES
            for lines in source(user, organisation, timezone.now() - FEED_PAST)
        ],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="consultations.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def feed_url(token: str) -> str:
    return organisation_url(current_organisation(), f"/calendar/feed/{token}.ics")


@login_required
@require_http_methods(["GET", "POST"])
def feed_page(request: HttpRequest) -> HttpResponse:
    """See, copy, renew or revoke one's own feed URL."""
    if not can_use(getattr(request, "district_membership", None)):
        return forbidden(request, _("Consultations of this organisation are not open to you."))
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            calendar_feed_create(user=user)  # type: ignore[arg-type]
            messages.success(request, _("Your calendar feed address is ready. Keep it secret."))
        elif action == "revoke":
            calendar_feed_revoke(user=user)  # type: ignore[arg-type]
            messages.success(
                request, _("The calendar feed is switched off; the old address no longer works.")
            )
        return redirect("calendar-feed:page")
    current = live_feed(user=user)  # type: ignore[arg-type]
    url = feed_url(calendar_feed_token(current)) if current is not None else ""
    return render(request, "consultations/feed.html", {"feed": current, "feed_url": url})
