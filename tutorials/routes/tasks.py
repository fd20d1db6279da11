"""Celery tasks of professional routes: thin wrappers, fanned out over the organisations like
the consultations' sweeps (chunks of organisation ids, each entered with ``tenant_context``)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="routes.reminders_sweep")
def reminders_sweep() -> int:
    """Beat: fan the deadline reminders out over the organisations."""
    from consultations.tasks import fan_out

    return fan_out(reminders_send_for)


@shared_task(name="routes.reminders_send_for")
def reminders_send_for(organisation_ids: list[int]) -> int:
    from consultations.tasks import in_each

    from .reminders import reminders_send

    return in_each(organisation_ids, lambda: reminders_send(), "Route deadline reminders")
