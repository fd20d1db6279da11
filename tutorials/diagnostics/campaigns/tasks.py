"""Celery jobs of the campaigns: thin wrappers that import their service inside.

The beat sweeps run in the public schema and fan out one task per chunk of
organisations (as ``consultations.tasks``); each chunk task enters every
organisation with ``tenant_context``.  ``analysis_refresh`` runs in the schema
it was sent from (``tenant_schemas_celery``).
"""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from consultations.tasks import fan_out, in_each

# Attempts changing in a burst (the deadline of a whole campaign) recompute once.
ANALYSIS_DEBOUNCE_SECONDS = 20


@shared_task(name="diagnostics.submit_due_sweep")
def submit_due_sweep() -> int:
    """Beat: submit, in every organisation, the attempts whose deadline has passed."""
    return fan_out(submit_due_for)


@shared_task(name="diagnostics.submit_due_for")
def submit_due_for(organisation_ids: list[int]) -> int:
    from .services.attempts import attempts_submit_due

    return in_each(organisation_ids, attempts_submit_due, "Diagnostics auto-submission")


@shared_task(name="diagnostics.notify_sweep")
def notify_sweep() -> int:
    return fan_out(notify_for)


@shared_task(name="diagnostics.notify_for")
def notify_for(organisation_ids: list[int]) -> int:
    from .services.notify import campaigns_notify_due

    return in_each(organisation_ids, campaigns_notify_due, "Diagnostics notifications")


def analysis_refresh_soon(campaign_id: int) -> None:
    """Queue a recomputation of the campaign's item analysis, at most one per debounce window."""
    key = f"campaigns:analysis-queued:{campaign_id}"
    if cache.add(key, 1, ANALYSIS_DEBOUNCE_SECONDS):
        analysis_refresh.apply_async((campaign_id,), countdown=ANALYSIS_DEBOUNCE_SECONDS // 4)


@shared_task(name="diagnostics.analysis_refresh")
def analysis_refresh(campaign_id: int) -> int:
    from .analysis import analysis_store

    cache.delete(f"campaigns:analysis-queued:{campaign_id}")
    stored = analysis_store(campaign_id)
    return stored.attempts if stored is not None else -1
