"""Template tags of the joined-up portal:

* ``{% section_nav %}``: the header's sections (``portal.navigation``);
* ``{% district_link %}``: on a school portal, the centre as one of "your organisations";
* ``{% district_bookings %}``: on a school portal, the person's bookings with the centre;
* ``{% district_hits form %}``: on a school portal's bank search, the district bank's hits;
* ``{% go organisation path %}``: a link to a page of another portal (signed in);
* ``{% tutor_photos ids as photos %}`` and ``{{ photos|photo_of:user_id }}``: tutors' photos for a
  listing, in one query;
* ``{{ zone|zone_label }}``: a time zone as people say it («московское время, UTC+3»).
"""

from __future__ import annotations

from datetime import datetime, timedelta
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


@register.simple_tag
def district_link_to(path: str) -> dict[str, Any] | None:
    """``{% district_link_to "/consultations/" as link %}``: on a school portal, the centre and a
    signed-in link to ``path`` there; None elsewhere."""
    centre = district.centre_of(district.current())
    return {"centre": centre, "url": district.go_url(centre, path)} if centre is not None else None


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


@register.simple_tag(takes_context=True)
def district_facts(context: Any, material: Any) -> Any:
    """``{% district_facts material as facts %}``: the author's district copy (portal.authored)."""
    from .. import authored

    request = context.get("request")
    return authored.district_facts(material=material, user=getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def district_states(context: Any, materials: Any) -> Any:
    """``{% district_states materials as states %}``: school material id -> its district copy."""
    from .. import authored

    request = context.get("request")
    return authored.district_states(materials=materials, user=getattr(request, "user", None))


@register.filter
def images_described(body: str) -> Any:
    """Stored, sanitised rich text; images saved before descriptions were enforced get an empty alt."""
    from django.utils.safestring import mark_safe

    from casebank.services.common import IMAGE_WITHOUT_ALT

    return mark_safe(IMAGE_WITHOUT_ALT.sub('<img alt=""', body or ""))  # noqa: S308 (sanitised when saved)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def past_cancel_deadline(slot: Any) -> bool:
    """Whether a booking made now could no longer be cancelled (inside the offering's deadline)."""
    deadline = slot.starts_at - timedelta(hours=slot.offering.cancel_deadline_hours)
    return bool(timezone.now() >= deadline)


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


@register.simple_tag
def tutor_photos(user_ids: Any) -> dict[int, Any]:
    from .. import pictures

    return pictures.photos_of(user_ids or ())


@register.filter
def photo_of(photos: Any, user_id: Any) -> Any:
    return photos.get(user_id) if isinstance(photos, dict) else None
