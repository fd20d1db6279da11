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
