"""Cross-level reads and links: what a school portal shows of its centre (ARCHITECTURE §3).

A school's teacher uses the district's services (municipal tutors, the district bank,
the Help Hour) which live in the centre's schema.  The school portal shows them in two
ways, both explicit and few:

* reads: ``district_bookings`` and ``district_search`` enter the centre's schema with
  ``tenant_context`` and return plain values, never lazy querysets;
* links: ``go_url`` leads to a page of another portal, through ``accounts.views.hop``: a
  one-time ticket of ``accounts.portal_hop`` posted from this portal signs the person in
  there and lands on that page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse
from django_tenants.utils import tenant_context

from accounts import portal_hop
from tenants.models import Organisation


def current() -> Organisation | None:
    tenant = getattr(connection, "tenant", None)
    return tenant if isinstance(tenant, Organisation) else None


def centre_of(organisation: Organisation | None) -> Organisation | None:
    """The district centre a school belongs to (None for a centre, the public site, or a closed centre)."""
    if organisation is None or organisation.kind != Organisation.Kind.SCHOOL:
        return None
    centre = organisation.centre
    return centre if centre is not None and centre.is_active else None


def go_url(organisation: Organisation | int, path: str = "/") -> str:
    """A link, from any portal, to ``path`` on ``organisation``'s portal (signed in when the
    person may); the organisation or its id."""
    pk = organisation if isinstance(organisation, int) else organisation.pk
    return f"{reverse('portal:go', args=[pk])}?{urlencode({'next': portal_hop.safe_path(path)})}"


# --- reads in the centre's schema ------------------------------------------------------------


@dataclass(frozen=True)
class DistrictBooking:
    id: int
    starts_at: datetime
    ends_at: datetime
    subject: str
    tutor: str
    tutor_id: int
    question: str
    status: str
    status_display: str
    mode_display: str
    place: str
    slot_id: int
    is_video: bool
    tutor_url: str
    join_url: str


def district_bookings(
    *, user: Any, school: Organisation, since: datetime, until: datetime | None = None
) -> list[DistrictBooking]:
    """The person's bookings with the school's centre (not cancelled), from ``since``: 2 queries."""
    centre = centre_of(school)
    if centre is None or not getattr(user, "is_authenticated", False):
        return []
    with tenant_context(centre):
        return bookings_in_centre(user=user, centre=centre, since=since, until=until)


def bookings_in_centre(
    *, user: Any, centre: Organisation, since: datetime, until: datetime | None = None, limit: int = 100
) -> list[DistrictBooking]:
    """``district_bookings`` for a caller already in the centre's schema (one query, no switch)."""
    from consultations.models import Booking

    queryset = (
        Booking.objects.filter(teacher_id=user.pk, ends_at__gte=since)
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("slot__offering__subject", "slot__tutor")
        .order_by("starts_at")
    )
    if until is not None:
        queryset = queryset.filter(starts_at__lt=until)
    return [
        DistrictBooking(
            id=b.pk,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            subject=str(b.slot.offering.subject),
            tutor=b.slot.tutor.get_full_name(),
            tutor_id=b.slot.tutor_id,
            question=b.question,
            status=b.status,
            status_display=b.get_status_display(),
            mode_display=b.slot.offering.get_mode_display(),
            place=b.slot.offering.place,
            slot_id=b.slot_id,
            is_video=bool(b.slot.video_room),
            tutor_url=go_url(centre, f"/tutors/{b.slot.tutor_id}/"),
            join_url=go_url(centre, f"/consultations/slots/{b.slot_id}/join/") if b.slot.video_room else "",
        )
        for b in queryset[:limit]
    ]


@dataclass(frozen=True)
class DistrictHit:
    id: int
    title: str
    snippet_html: Any
    subjects: str
    origin: str
    url: str


@dataclass(frozen=True)
class DistrictSearch:
    centre: Organisation
    total: int
    hits: list[DistrictHit]
    all_url: str


def district_search(
    *, user: Any, school: Organisation, arguments: dict[str, Any], limit: int = 5
) -> DistrictSearch | None:
    """The same search in the district bank (casebank's own selector, run in the centre's schema)."""
    centre = centre_of(school)
    if centre is None or not getattr(user, "is_authenticated", False):
        return None
    from casebank import selectors as casebank_selectors
    from tutornet.errors import TutornetError

    wanted = {
        k: v for k, v in arguments.items() if k in {"query", "subject", "grade", "kind", "topic", "sort"}
    }
    with tenant_context(centre):
        try:
            page = casebank_selectors.materials_search(user=user, **wanted, page=1, per_page=limit)
        except TutornetError:
            return None
        hits = [
            DistrictHit(
                id=hit.material.pk,
                title=str(hit.material.title),
                snippet_html=hit.snippet_html,
                subjects=", ".join(str(s) for s in hit.material.subjects.all()),
                origin=hit.material.origin_organisation.short_name
                if hit.material.origin_organisation
                else "",
                url=go_url(centre, f"/casebank/materials/{hit.material.pk}/"),
            )
            for hit in page.hits
        ]
        query = urlencode({"q": wanted.get("query") or ""})
        return DistrictSearch(
            centre=centre, total=page.total, hits=hits, all_url=go_url(centre, f"/casebank/?{query}")
        )
