"""Celery: recompute a campaign's district picture, in the schema it was sent from
(``tenant_schemas_celery``), at most once per debounce window."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

DEBOUNCE_SECONDS = 20


def _key(campaign_id: int) -> str:
    return f"district-picture:queued:{campaign_id}"  # the cache's key function adds the tenant


def picture_refresh_soon(campaign_id: int) -> bool:
    """Queue a recomputation unless one is already queued; True when queued now."""
    if cache.add(_key(campaign_id), 1, DEBOUNCE_SECONDS):
        picture_refresh.apply_async((campaign_id,), countdown=2)
        return True
    return False


@shared_task(name="district_picture.refresh")
def picture_refresh(campaign_id: int) -> float:
    from .services import snapshot_compute

    cache.delete(_key(campaign_id))
    return snapshot_compute(campaign_id).seconds


@shared_task(name="district_picture.stale_sweep")
def stale_sweep() -> int:
    """Beat: in every organisation, recompute the pictures whose campaign has newer final results
    (a campaign closing, late grades) — so the figures are fresh before anyone opens them."""
    from consultations.tasks import fan_out

    return fan_out(stale_refresh_for)


@shared_task(name="district_picture.stale_refresh_for")
def stale_refresh_for(organisation_ids: list[int]) -> int:
    from consultations.tasks import in_each

    from .services import stale_recompute

    return in_each(organisation_ids, stale_recompute, "District picture refresh")
