"""The events panel on the dashboard (``tutornet.panels``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from tutornet import panels


def events_panel(request: HttpRequest) -> panels.Panel | None:
    from . import selectors

    membership = getattr(request, "district_membership", None)
    if membership is None or not request.user.is_authenticated:
        return None
    items = selectors.panel_items(membership)
    if not items:
        return None
    return panels.Panel(
        key="events",
        title=_("Methodological weeks"),
        template="events/_panel.html",
        context={"items": items},
        order=40,
    )
