"""Celery beat sweeps of consultations: reminders and expiry of waitlist offers.

Consultations live in every organisation's schema, so each beat job runs in
the public schema, lists the organisations and fans out one task per chunk of
organisation ids (ARCHITECTURE 4, 7: not one schedule entry per tenant); the
chunk task enters each organisation with ``tenant_context`` and runs the
service there.  One organisation failing does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import shared_task

logger = logging.getLogger(__name__)

# Organisations per fanned-out task.
CHUNK = 25


def _organisation_ids() -> list[int]:
    from tenants.models import Organisation

    return list(
        Organisation.objects.filter(
            kind__in=[Organisation.Kind.CENTRE, Organisation.Kind.SCHOOL], is_active=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def fan_out(task: object) -> int:
    """Queue ``task`` for the active organisations, a chunk of their ids each (a beat job's fan-out)."""
    ids = _organisation_ids()
    for start in range(0, len(ids), CHUNK):
        task.delay(ids[start : start + CHUNK])  # type: ignore[attr-defined]
    return len(ids)


def in_each(organisation_ids: list[int], run: Callable[[], int], what: str) -> int:
    """Run ``run`` in each of these organisations' schemas; one failing organisation is logged, not fatal."""
    from django_tenants.utils import tenant_context

    from tenants.models import Organisation

    done = 0
    for organisation in Organisation.objects.filter(pk__in=organisation_ids, is_active=True):
        try:
            with tenant_context(organisation):
                done += run()
        except Exception:
            logger.exception("%s failed in %s", what, organisation.schema_name)
    return done


@shared_task(name="consultations.reminders_sweep")
def reminders_sweep() -> int:
    """Beat, every minute: fan the reminder run out over the organisations."""
    return fan_out(reminders_send_for)


@shared_task(name="consultations.reminders_send_for")
def reminders_send_for(organisation_ids: list[int]) -> int:
    from .services.reminders import reminders_send

    return in_each(organisation_ids, reminders_send, "Reminders")


@shared_task(name="consultations.waitlist_expiry_sweep")
def waitlist_expiry_sweep() -> int:
    """Beat, every minute: pass expired waitlist offers on to the next teacher, in every organisation."""
    return fan_out(waitlist_expire_for)


@shared_task(name="consultations.waitlist_expire_for")
def waitlist_expire_for(organisation_ids: list[int]) -> int:
    from .services.booking import waitlist_expire_offers

    return in_each(organisation_ids, lambda: waitlist_expire_offers(), "Waitlist expiry")


@shared_task(name="consultations.slots_extend_sweep")
def slots_extend_sweep() -> int:
    """Beat, hourly: keep every active offering's slots generated up to its booking horizon."""
    return fan_out(slots_extend_for)


def _extend_slots_here() -> int:
    from django.db import connection

    from .models import Offering
    from .services.availability import slots_generate

    organisation = connection.tenant  # type: ignore[attr-defined]
    return sum(
        slots_generate(offering=offering, organisation=organisation)
        for offering in Offering.objects.filter(is_active=True)
    )


@shared_task(name="consultations.slots_extend_for")
def slots_extend_for(organisation_ids: list[int]) -> int:
    return in_each(organisation_ids, _extend_slots_here, "Slot generation")
