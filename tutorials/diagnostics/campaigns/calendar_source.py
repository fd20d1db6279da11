"""A teacher's diagnostic campaign windows in the in-app calendar (``/my/calendar/``,
``portal.calendar_sources``): the day a campaign meant for them opens and the moment it closes,
on this portal and, from a school's portal, on its centre's (where the district's campaigns are).
Each links to «Моя диагностика»."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context
from portal import calendar_sources, district

from accounts.models import Membership, Role

from . import permissions
from .models import Campaign


def _windows(
    membership: Membership, start: datetime, end: datetime, *, link: Callable[[str], str]
) -> list[calendar_sources.Event]:
    """The opening and closing moments in [start, end) of the published campaigns of the active
    schema meant for the teacher (one query, and the audience check of those few)."""
    campaigns = Campaign.objects.filter(published_at__isnull=False).filter(
        Q(opens_at__gte=start, opens_at__lt=end) | Q(closes_at__gte=start, closes_at__lt=end)
    )[:50]
    events = []
    for campaign in campaigns:
        if not permissions.in_audience(membership, campaign):
            continue
        for moment, label in (
            (campaign.opens_at, _("The diagnostics opens")),
            (campaign.closes_at, _("The diagnostics closes")),
        ):
            if start <= moment < end:
                events.append(
                    calendar_sources.Event(
                        starts_at=moment,
                        ends_at=moment,
                        title=campaign.title,
                        kind="diagnostics",
                        kind_label=label,
                        url=link("/diagnostics/my/"),
                    )
                )
    return events


def my_campaign_windows(request: HttpRequest, start: datetime, end: datetime) -> list[calendar_sources.Event]:
    membership = getattr(request, "district_membership", None)
    if membership is None or membership.role != Role.TEACHER or not permissions.active(membership):
        return []
    events = _windows(membership, start, end, link=lambda path: path)
    centre = district.centre_of(district.current())
    if centre is not None:
        with tenant_context(centre):
            events += _windows(membership, start, end, link=lambda path: district.go_url(centre, path))
    return events
