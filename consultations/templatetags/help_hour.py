"""``{% help_hour_card %}``: the dashboard's Methodological Help Hour card, by what the person may do here."""

from __future__ import annotations

from typing import Any

from django import template

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
