"""Booking in one click from a plan item.

A plan item that points to a consultation offering or a tutorial (``PlanItem.target_*``)
shows the teacher the next free times of the offering, or the tutorial, with one button
each.  One click books through the consultations' own service (``booking_create``) or
registers through the tutorials' one (``registration_create``): their rules (notice,
horizon, places, overlaps, audience, the waiting list) are theirs and are not repeated
here.  In the same transaction the booking becomes evidence of the item
(``source_key`` ``booking:<id>``, the key the evidence collection uses, so the held
consultation is not attached twice) and a planned item is marked in progress.  A
refusal of the booking writes nothing.

Only the route's teacher books, for themselves, while the route is not completed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from tutornet.errors import PermissionDeniedError, TutornetError

from . import permissions, services
from .models import Evidence, PlanItem, Status, TargetKind

SLOTS_SHOWN = 3
BOOKABLE = (TargetKind.OFFERING, TargetKind.TUTORIAL)


def next_slots(items: list[PlanItem], *, now: Any = None) -> dict[int, list[Any]]:
    """Plan item id -> the next free times of its offering (one query for the whole plan,
    none when no item points to an offering)."""
    from consultations import rules
    from consultations.models import Slot

    offering_ids = {i.target_id for i in items if i.target_kind == TargetKind.OFFERING and i.target_id}
    if not offering_ids:
        return {}
    now = now or timezone.now()
    by_offering: dict[int, list[Any]] = defaultdict(list)
    slots = rules.bookable(Slot.objects.filter(offering_id__in=offering_ids), now).order_by("starts_at", "pk")
    for slot in slots[: SLOTS_SHOWN * len(offering_ids) * 4]:
        if len(by_offering[slot.offering_id]) < SLOTS_SHOWN:
            by_offering[slot.offering_id].append(slot)
    return {
        i.pk: by_offering.get(i.target_id or 0, []) for i in items if i.target_kind == TargetKind.OFFERING
    }


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


@transaction.atomic
def item_book(*, actor: User, item_id: int, slot_id: int | None = None) -> Evidence:
    """Book the item's consultation time (``slot_id``) or register for its tutorial."""
    from accounts.selectors import district_membership_for
    from consultations.models import Slot
    from consultations.services import booking_create
    from tenants.models import Organisation
    from tutorials.models import Tutorial
    from tutorials.services import registration_create

    item, route = services._item(item_id, actor)
    if not permissions.is_teacher(actor, route):
        raise PermissionDeniedError(_("Only the route's teacher books for their route."))
    if route.status == Status.COMPLETED:
        raise TutornetError(_("This route is completed."))
    if item.target_kind not in BOOKABLE or item.target_id is None:
        raise TutornetError(_("This task does not point to a consultation or a tutorial."))
    if item.target_kind == TargetKind.OFFERING:
        slot = Slot.objects.filter(pk=slot_id or 0, offering_id=item.target_id).first()
        if slot is None:
            raise TutornetError(_("Choose a time of this task's consultation."), field="slot")
        school = Organisation.objects.get(pk=route.school_id)
        booking = booking_create(
            slot_id=slot.pk,
            teacher=actor,
            teacher_organisation=school,
            question=item.task,
        )
        key, kind = f"booking:{booking.pk}", Evidence.Kind.CONSULTATION
        title = _("Consultation of %(when)s (booked)") % {"when": _when(booking.starts_at)}
    else:
        tutorial = Tutorial.objects.filter(pk=item.target_id).first()
        if tutorial is None:
            raise TutornetError(_("There is no such object open here."), field="target_id")
        here = services._organisation()
        registration = registration_create(
            tutorial=tutorial, user=actor, membership=district_membership_for(actor, here)
        )
        key, kind = f"registration:{registration.pk}", Evidence.Kind.TUTORIAL
        title = _("Registered for the tutorial «%(title)s» (%(status)s)") % {
            "title": tutorial.title,
            "status": registration.get_status_display(),
        }
    evidence = Evidence.objects.create(
        route=route,
        item=item,
        kind=kind,
        title=title[:300],
        source_key=key,
        added_by=actor,
        why=_("Booked from the route"),
    )
    if item.status == PlanItem.ItemStatus.PLANNED:
        item.status = PlanItem.ItemStatus.IN_PROGRESS
    item.version += 1
    item.save(update_fields=["status", "version"])
    services.audit(actor=actor, action="route.item_book", target=route.pk, item=item.pk, source=key)
    return evidence
