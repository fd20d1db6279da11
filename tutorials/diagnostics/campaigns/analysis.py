"""The campaign's item analysis: the score matrix from the database, Moodle's
statistics over it (:mod:`.item_analysis`), stored as JSON for the page and the export.

Only final attempts count (an attempt waiting for a grade has no total yet).  The
report is recomputed in the background when attempts change (``tasks``) and read
from ``ItemAnalysis``; ``analysis_for`` computes it at once when none is stored.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from tutorials.diagnostics.models import CHOICE_TYPES
from tutorials.diagnostics.scoring import choice_ids
from tutorials.diagnostics.selectors import versions_by_id

from . import item_analysis
from .models import Answer, Attempt, AttemptItem, Campaign, ItemAnalysis


def compute(campaign: Campaign) -> dict[str, Any]:
    """The report as plain data (see ``item_analysis.Report``)."""
    final = Attempt.objects.filter(campaign_id=campaign.pk, status=Attempt.Status.FINAL)
    rows = list(
        AttemptItem.objects.filter(attempt__in=final)
        .order_by("attempt_id", "position")
        .values_list("attempt_id", "version_id", "position", "points")
    )
    attempt_ids = sorted({row[0] for row in rows})
    first_position: dict[int, int] = {}
    for _attempt, version_id, position, _points in rows:
        first_position[version_id] = min(position, first_position.get(version_id, position))
    version_ids = sorted(first_position, key=lambda v: (first_position[v], v))
    versions = versions_by_id(version_ids)
    column = {v: i for i, v in enumerate(version_ids)}
    row_of = {a: i for i, a in enumerate(attempt_ids)}
    matrix = np.full((len(attempt_ids), len(version_ids)), np.nan)
    slots = np.full((len(attempt_ids), max((r[2] for r in rows), default=0)), np.nan)
    for attempt_id, version_id, position, points in rows:
        value = float(points or 0)
        matrix[row_of[attempt_id], column[version_id]] = value
        slots[row_of[attempt_id], position - 1] = value
    options = _option_shares(final, versions, attempt_ids)
    report = item_analysis.analyse(
        matrix,
        [float(versions[v].max_points) for v in version_ids],
        keys=version_ids,
        slots=slots,
        options=options,
    )
    return _as_data(report, versions)


def _option_shares(
    final: Any, versions: dict[int, Any], attempt_ids: list[int]
) -> dict[int, dict[str, float]]:
    choice_versions = {pk: v for pk, v in versions.items() if v.item.type in CHOICE_TYPES}
    if not choice_versions:
        return {}
    shown: dict[int, set[int]] = defaultdict(set)
    for attempt_id, version_id in AttemptItem.objects.filter(
        attempt__in=final, version_id__in=choice_versions
    ).values_list("attempt_id", "version_id"):
        shown[version_id].add(attempt_id)
    chosen: dict[int, dict[int, list[str]]] = defaultdict(dict)
    for attempt_id, version_id, response in Answer.objects.filter(
        attempt__in=final, version_id__in=choice_versions
    ).values_list("attempt_id", "version_id", "response"):
        picked = response.get("choices") or ([response["choice"]] if response.get("choice") else [])
        chosen[version_id][attempt_id] = [str(c) for c in picked]
    return {
        pk: item_analysis.option_shares(
            [chosen[pk].get(a, []) for a in sorted(shown[pk])], choice_ids(version)
        )
        for pk, version in choice_versions.items()
    }


def _as_data(report: item_analysis.Report, versions: dict[int, Any]) -> dict[str, Any]:
    test = report.test
    items = []
    for position, stats in enumerate(report.items, 1):
        version = versions[stats.key]
        items.append(
            {
                "position": position,
                "version_id": stats.key,
                "name": version.item.name or f"#{version.item_id}",
                "type": version.item.type,
                "topics": [t.code for t in version.topics.all()],
                "n": stats.n,
                "max_points": stats.max_points,
                "facility": stats.facility,
                "sd": stats.sd,
                "discrimination_index": stats.discrimination_index,
                "discriminative_efficiency": stats.discriminative_efficiency,
                "effective_weight": stats.effective_weight,
                "options": stats.options,
                "dubious": stats.dubious,
                "needs_checking": stats.needs_checking,
                "few_attempts": stats.few_attempts,
            }
        )
    return {
        "test": {
            "n": test.n,
            "max_points": test.max_points,
            "mean": test.mean,
            "median": test.median,
            "sd": test.sd,
            "skewness": test.skewness,
            "kurtosis": test.kurtosis,
            "cic": test.cic,
            "error_ratio": test.error_ratio,
            "standard_error": test.standard_error,
            "few_attempts": test.few_attempts,
        },
        "items": items,
        "min_attempts": item_analysis.MIN_ATTEMPTS,
    }


def analysis_store(campaign_id: int) -> ItemAnalysis | None:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return None
    data = compute(campaign)
    with transaction.atomic():
        stored, _created = ItemAnalysis.objects.update_or_create(
            campaign=campaign,
            defaults={"computed_at": timezone.now(), "attempts": data["test"]["n"], "data": data},
        )
    return stored


def analysis_for(campaign: Campaign) -> ItemAnalysis:
    """The stored report, computed now when there is none yet."""
    stored = ItemAnalysis.objects.filter(campaign=campaign).first()
    if stored is None:
        stored = analysis_store(campaign.pk)
        assert stored is not None
    return stored
