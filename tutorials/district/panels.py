"""The district picture's panel on the home page: for the centre's methodologists, the
latest campaigns' heatmaps (1 query); for a school's administrator, "My school" (on the
school's own portal, a link through the portal hop to it on the centre's portal)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from tutorials.diagnostics.campaigns.models import Campaign
from tutornet import panels

from . import permissions


def district_panel(request: HttpRequest) -> panels.Panel | None:
    membership = getattr(request, "district_membership", None)
    if permissions.can_see_district(membership):
        latest = list(
            Campaign.objects.filter(published_at__isnull=False)
            .select_related("subject", "academic_year")
            .order_by("-academic_year__starts_on", "-opens_at")[:3]
        )
        return panels.Panel(
            key="district",
            title=_("District picture"),
            template="district/_panel.html",
            context={"campaigns": latest, "school": False},
            order=35,
        )
    if permissions.own_school(membership) is not None:
        return panels.Panel(
            key="district",
            title=_("My school"),
            template="district/_panel.html",
            context={"campaigns": [], "school": True},
            order=35,
        )
    centre = permissions.centre_for_school_admin(membership)
    if centre is not None:
        from portal.district import go_url

        return panels.Panel(
            key="district",
            title=_("My school"),
            template="district/_panel.html",
            context={"campaigns": [], "school": True, "go": go_url(centre, reverse("district:my-school"))},
            order=35,
        )
    return None
