"""Evidence the platform already knows, attached to the route by itself: consultations
held (with the tutor's outcome note), Help Hour sessions held, tutorial attendance and
certificates (``tutorials.selectors.evidence_for``), case materials the teacher
authored that were published in the bank.  Idempotent: each found thing is attached
once (``Evidence.source_key``).  A found thing about a topic of a plan item is
attached to that item."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from tutornet.errors import PermissionDeniedError

from . import permissions, services
from .models import Evidence, Route


def found_for(route: Route) -> list[dict[str, Any]]:
    """What the platform knows for the route's teacher and year (about 6 queries)."""
    from casebank.models import Material
    from casebank.models import Status as MaterialStatus
    from consultations.help_hour.models import HelpHourSession
    from consultations.help_hour.models import Status as HelpStatus
    from consultations.models import Booking
    from tutorials.selectors import evidence_for

    year = route.academic_year
    found: list[dict[str, Any]] = []
    bookings = Booking.objects.filter(
        teacher_id=route.teacher_id,
        status=Booking.Status.HELD,
        starts_at__date__range=(year.starts_on, year.ends_on),
    ).select_related("slot")
    for b in bookings:
        found.append(
            {
                "key": f"booking:{b.pk}",
                "kind": Evidence.Kind.CONSULTATION,
                "title": _("Consultation of %(date)s") % {"date": b.starts_at.date().isoformat()},
                "note": b.outcome_note,
                "topics": set(),
            }
        )
    took_part = Q(requests__requester_id=route.teacher_id) | Q(requests__participants=route.teacher_id)
    sessions = HelpHourSession.objects.filter(
        took_part,
        requests__status__in=[HelpStatus.HELD, HelpStatus.CLOSED],
        starts_at__date__range=(year.starts_on, year.ends_on),
    ).distinct()
    for s in sessions:
        found.append(
            {
                "key": f"helphour:{s.pk}",
                "kind": Evidence.Kind.HELP_HOUR,
                "title": str(s),
                "note": "",
                "topics": set(),
            }
        )
    tutorial_evidence = evidence_for(route.teacher_id, year.starts_on.year)
    for a in tutorial_evidence.attended:
        tutorial = a.session.tutorial
        found.append(
            {
                "key": f"attendance:{a.pk}",
                "kind": Evidence.Kind.TUTORIAL,
                "title": tutorial.title,
                "note": "",
                "topics": {t.pk for t in tutorial.topics.all()},
            }
        )
    for c in tutorial_evidence.certificates:
        found.append(
            {
                "key": f"certificate:{c.pk}",
                "kind": Evidence.Kind.CERTIFICATE,
                "title": c.title,
                "note": "",
                "topics": set(),
            }
        )
    materials = Material.objects.filter(
        authors=route.teacher_id,
        status=MaterialStatus.PUBLISHED,
        published_at__date__range=(year.starts_on, year.ends_on),
    ).prefetch_related("codifier_topics")
    for m in materials:
        found.append(
            {
                "key": f"material:{m.pk}",
                "kind": Evidence.Kind.MATERIAL,
                "title": m.title,
                "note": "",
                "topics": {t.pk for t in m.codifier_topics.all()},
            }
        )
    return found


@transaction.atomic
def evidence_collect(*, actor: User, route_id: int) -> list[Evidence]:
    """Attach what the platform knows and is not attached yet; returns the new evidence."""
    route = services._route(route_id, actor)
    if not (permissions.can_edit(actor, route) or permissions.is_methodologist(actor)):
        raise PermissionDeniedError(_("You do not have permission to do this."))
    known = dict(route.evidence.exclude(source_key="").values_list("source_key", "pk"))
    items_by_topic = dict(route.items.exclude(topic=None).values_list("topic_id", "pk"))
    created = []
    for thing in found_for(route):
        if thing["key"] in known:
            if thing["key"].startswith("booking:"):
                # Booked from the route (``booking.item_book``), now held: with the tutor's note.
                Evidence.objects.filter(pk=known[thing["key"]]).exclude(title=thing["title"][:300]).update(
                    title=thing["title"][:300], note=thing["note"]
                )
            continue
        item_id = next((items_by_topic[t] for t in thing["topics"] if t in items_by_topic), None)
        created.append(
            Evidence.objects.create(
                route=route,
                item_id=item_id,
                kind=thing["kind"],
                title=thing["title"][:300],
                note=thing["note"],
                source_key=thing["key"],
                why=_("Found on the platform"),
            )
        )
    if created:
        services.audit(actor=actor, action="route.evidence_collect", target=route.pk, found=len(created))
    return created
