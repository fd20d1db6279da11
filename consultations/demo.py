"""Consultations for the demo district: the demo tutor's offerings with a few weeks of slots.

Called by ``seed_demo`` after the district exists.  Idempotent: a tutor who already
has offerings in the centre is left as they are (slots are still extended).
"""

from __future__ import annotations

from datetime import time

from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.models import Membership, Role, User
from tenants.models import Organisation, Subject

from .models import Offering
from .services.availability import offering_save, slots_generate, weekly_set

WEEKDAYS = (0, 1, 2, 3, 4)


@transaction.atomic
def demo_consultations_seed(*, centre: Organisation, tutor: User) -> list[str]:
    """Two offerings of the demo tutor at the centre: individual video maths, group in-person physics."""
    created: list[str] = []
    membership = Membership.objects.get(user=tutor, organisation=centre, role=Role.TUTOR)
    with tenant_context(centre):
        if not Offering.objects.filter(tutor=tutor).exists():
            maths = offering_save(
                actor=tutor,
                actor_membership=membership,
                tutor=tutor,
                subject=Subject.objects.get(code="math"),
                topic="Подготовка к ОГЭ: задачи с параметром",
                format=Offering.Format.INDIVIDUAL,
                capacity=1,
                mode=Offering.Mode.VIDEO,
                min_notice_hours=1,
            )
            weekly_set(offering=maths, windows=[(d, time(15), time(18)) for d in WEEKDAYS], actor=tutor)
            physics = offering_save(
                actor=tutor,
                actor_membership=membership,
                tutor=tutor,
                subject=Subject.objects.get(code="physics"),
                topic="Лабораторные работы в 7–9 классах",
                format=Offering.Format.GROUP,
                capacity=6,
                mode=Offering.Mode.IN_PERSON,
                place="ЦРО, консультационный пункт, каб. 12",
                slot_minutes=90,
                min_notice_hours=1,
            )
            weekly_set(offering=physics, windows=[(5, time(10), time(12))], actor=tutor)
            created.append("consultations of the demo tutor")
        for offering in Offering.objects.filter(tutor=tutor, is_active=True):
            slots_generate(offering=offering, organisation=centre)
    return created
