"""The routes panel on the dashboard (``tutornet.panels``): routes waiting for this person.

Only a tutor (routes sent for agreement) or a school administrator (routes agreed and
waiting for approval) can have anything here; for them it costs one query, for anyone
else none."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import Role
from tutornet import panels


def routes_panel(request: HttpRequest) -> panels.Panel | None:
    from .models import Route, Status

    membership = getattr(request, "district_membership", None)
    if membership is None or not request.user.is_authenticated:
        return None
    if membership.role == Role.TUTOR:
        where = Q(tutor_id=request.user.pk, status=Status.SUBMITTED)
    elif membership.role == Role.SCHOOL_ADMIN:
        where = Q(school_id=membership.organisation_id, status=Status.AGREED)
    else:
        return None
    waiting = list(Route.objects.filter(where).select_related("teacher").order_by("updated_at", "pk")[:10])
    if not waiting:
        return None
    return panels.Panel(
        key="routes",
        title=_("Professional routes waiting for you"),
        template="routes/_panel.html",
        context={"routes": waiting},
        order=45,
    )
