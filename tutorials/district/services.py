"""The district picture's writes: its snapshots.  Reads through ``picture``."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from tutorials.diagnostics.campaigns.models import Campaign
from tutornet.errors import NotFoundError, PermissionDeniedError
from tutornet.tenancy import on_commit_in_this_schema

from . import permissions, selectors
from .compute import picture_data
from .models import PictureSnapshot


def campaign_of(campaign_id: int) -> Campaign:
    campaign = (
        Campaign.objects.select_related("subject", "academic_year")
        .filter(pk=campaign_id, published_at__isnull=False)
        .first()
    )
    if campaign is None:
        raise NotFoundError(_("There is no such campaign."))
    return campaign


def snapshot_compute(campaign_id: int) -> PictureSnapshot:
    """Compute and store the campaign's picture (Celery, or the first visit).  One row per
    campaign, replaced in one transaction: readers see the old figures or the new ones."""
    campaign = campaign_of(campaign_id)
    started = time.perf_counter()
    as_of = selectors.results_as_of(campaign.pk)
    data = picture_data(campaign)
    seconds = time.perf_counter() - started
    with transaction.atomic():
        snapshot, _created = PictureSnapshot.objects.update_or_create(
            campaign_id=campaign.pk,
            defaults={
                "computed_at": timezone.now(),
                "results_as_of": as_of,
                "seconds": seconds,
                "data": data,
            },
        )
    return snapshot


HEAD = ("campaign", "subject", "year", "previous")  # the small keys every page's heading reads


class Figures(Mapping[str, Any]):
    """A snapshot's figures for a page: the ``HEAD`` keys from the row's ``head`` projection
    when it was read light (``snapshot_for(light=True)``), anything else from ``data``, which a
    light read loads on first use (one query): a page whose tables are cached never does."""

    def __init__(self, snapshot: PictureSnapshot) -> None:
        self.snapshot = snapshot
        self.head: dict[str, Any] | None = getattr(snapshot, "head", None)

    def __getitem__(self, key: str) -> Any:
        if self.head is not None and key in self.head:
            return self.head[key]
        return self.snapshot.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.snapshot.data)

    def __len__(self) -> int:
        return len(self.snapshot.data)


@dataclass(frozen=True)
class Fresh:
    snapshot: PictureSnapshot
    stale: bool  # newer final results than the snapshot: a recomputation is queued

    @property
    def figures(self) -> Figures:
        return Figures(self.snapshot)


def snapshot_for(campaign: Campaign, *, light: bool = False) -> Fresh:
    """The stored picture (computed now when there is none), and whether newer results
    came in since; a stale one queues its recomputation (2 queries when fresh).  ``light``:
    ``data`` is left unread, only its ``HEAD`` keys come with the row (see ``Figures``)."""
    from .tasks import picture_refresh_soon

    rows = PictureSnapshot.objects.filter(campaign_id=campaign.pk)
    if light:
        rows = rows.defer("data").annotate(head=JSONObject(**{k: KeyTransform(k, "data") for k in HEAD}))
    snapshot = rows.first()
    if snapshot is None:
        return Fresh(snapshot_compute(campaign.pk), stale=False)
    latest = selectors.results_as_of(campaign.pk)
    stale = latest is not None and (snapshot.results_as_of is None or latest > snapshot.results_as_of)
    if stale:
        on_commit_in_this_schema(lambda: picture_refresh_soon(campaign.pk))
    return Fresh(snapshot, stale)


def refresh_request(*, membership: Membership | None, campaign_id: int) -> None:
    """Recompute now (a methodologist): queue the computation after the commit."""
    from .tasks import picture_refresh_soon

    if not permissions.can_see_district(membership):
        raise PermissionDeniedError(_("The district picture is for the centre's methodologists."))
    campaign = campaign_of(campaign_id)
    on_commit_in_this_schema(lambda: picture_refresh_soon(campaign.pk))


def stale_campaign_ids() -> list[int]:
    """Campaigns of this schema with a snapshot older than their newest final result (2 queries)."""
    from django.db.models import Max

    from tutorials.diagnostics.campaigns.models import Attempt

    latest = dict(
        Attempt.objects.filter(status=Attempt.Status.FINAL, finalised_at__isnull=False)
        .values_list("campaign_id")
        .annotate(last=Max("finalised_at"))
        .order_by()
    )
    known = dict(PictureSnapshot.objects.values_list("campaign_id", "results_as_of"))
    return sorted(
        pk for pk, last in latest.items() if pk in known and (known[pk] is None or last > known[pk])
    )


def stale_recompute() -> int:
    """Recompute, in this schema, every picture someone has looked at whose results changed since."""
    stale = stale_campaign_ids()
    for campaign_id in stale:
        snapshot_compute(campaign_id)
    return len(stale)
