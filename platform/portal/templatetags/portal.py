"""Template tags of the joined-up portal:

* ``{% section_nav %}``: the header's sections (``portal.navigation``);
* ``{% district_link %}``: on a school portal, the centre as one of "your organisations";
* ``{% district_bookings %}``: on a school portal, the person's bookings with the centre;
* ``{% district_hits form %}``: on a school portal's bank search, the district bank's hits;
* ``{% go organisation path %}``: a link to a page of another portal (signed in);
* ``{{ zone|zone_label }}``: a time zone as people say it («московское время, UTC+3»).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.models import Organisation

from .. import district, navigation

register = template.Library()


@register.inclusion_tag("portal/_section_nav.html", takes_context=True)
def section_nav(context: Any) -> dict[str, Any]:
    request = context.get("request")
    return {"sections": navigation.sections_for(request) if request is not None else []}


@register.simple_tag
def go(organisation: Organisation, path: str = "/") -> str:
    return district.go_url(organisation, path)


@register.inclusion_tag("portal/_district_link.html", takes_context=True)
def district_link(context: Any) -> dict[str, Any]:
    """The school's centre, for its staff: the municipal tutors, the district bank, the Help Hour."""
    request = context.get("request")
    here = district.current()
    centre = district.centre_of(here)
    if request is None or centre is None or getattr(request, "membership", None) is None:
        return {"centre": None}
    # A member of the centre already finds it among their own organisations.
    if any(p["membership"].organisation_id == centre.pk for p in context.get("portals") or ()):
        return {"centre": None}
    return {"centre": centre}


@register.inclusion_tag("portal/_district_bookings.html", takes_context=True)
def district_bookings(context: Any) -> dict[str, Any]:
    request = context.get("request")
    here = district.current()
    centre = district.centre_of(here)
    if request is None or centre is None:
        return {"centre": None}
    now = timezone.now()
    rows = district.district_bookings(user=request.user, school=here, since=now)  # type: ignore[arg-type]
    return {"centre": centre, "bookings": rows, "zone": centre.zone}


@register.inclusion_tag("portal/_district_hits.html", takes_context=True)
def district_hits(context: Any, form: Any) -> dict[str, Any]:
    request = context.get("request")
    here = district.current()
    if request is None or district.centre_of(here) is None or form is None:
        return {"found": None}
    # The view validated the form; only its valid fields are in ``cleaned_data``.
    arguments: dict[str, Any] = form.search_arguments() if form.is_bound else {}
    found = district.district_search(user=request.user, school=here, arguments=arguments)  # type: ignore[arg-type]
    return {"found": found, "query": arguments.get("query", "")}


@register.filter
def zone_label(zone: Any) -> str:
    """«московское время, UTC+3»: the zone's everyday name where we know it, and its offset now."""
    if zone is None:
        return ""
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    offset = datetime.now(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    utc = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    name = ZONE_NAMES.get(getattr(zone, "key", ""))
    return f"{name()}, {utc}" if name else f"{utc} ({getattr(zone, 'key', zone)})"


ZONE_NAMES = {
    "Europe/Kaliningrad": lambda: _("Kaliningrad time"),
    "Europe/Moscow": lambda: _("Moscow time"),
    "Europe/Samara": lambda: _("Samara time"),
    "Asia/Yekaterinburg": lambda: _("Yekaterinburg time"),
    "Asia/Omsk": lambda: _("Omsk time"),
    "Asia/Novosibirsk": lambda: _("Novosibirsk time"),
    "Asia/Krasnoyarsk": lambda: _("Krasnoyarsk time"),
    "Asia/Irkutsk": lambda: _("Irkutsk time"),
    "Asia/Yakutsk": lambda: _("Yakutsk time"),
    "Asia/Vladivostok": lambda: _("Vladivostok time"),
    "Asia/Magadan": lambda: _("Magadan time"),
    "Asia/Kamchatka": lambda: _("Kamchatka time"),
}
