"""Help Hour template tags: ``{% help_hour_card %}`` (the dashboard card, by what the person may do
here) and the ``iso_day`` filter (a stored date as people read it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.formats import date_format

from consultations.help_hour import permissions

register = template.Library()


@register.inclusion_tag("help_hour/_dashboard_card.html", takes_context=True)
def help_hour_card(context: Any) -> dict[str, Any]:
    membership = context.get("membership")
    return {
        "is_school_side": permissions.is_school_staff(membership),
        "can_file": permissions.can_file_request(membership),
        "is_centre_staff": permissions.can_see_centre_figures(membership),
        "is_tutor": permissions.is_centre_tutor(membership),
    }


@register.filter
def iso_day(value: str) -> str:
    """A stored ``YYYY-MM-DD`` as people read it: «ср, 02.12.2026» (the weekday in the active language)."""
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return date_format(day, "D, d.m.Y")
