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
from django.db import connection, transaction
from django.utils import timezone

from tutorials.diagnostics.models import CHOICE_TYPES
from tutorials.diagnostics.scoring import choice_ids
from tutorials.diagnostics.selectors import versions_by_id

from . import item_analysis
from .models import Attempt, Campaign, ItemAnalysis

# The score matrix's cells, as floats (no Decimal per cell): 30 items × 2,000 attempts
# are 60,000 rows.
_CELLS_SQL = """
    SELECT ai.attempt_id, ai.version_id, ai.position, COALESCE(ai.points, 0)::float8
      FROM campaigns_attemptitem ai
      JOIN campaigns_attempt a ON a.id = ai.attempt_id
     WHERE a.campaign_id = %s AND a.status = %s
"""
# Per choice item: how many final attempts were shown it, and how many chose each option
# (a single choice's "choice" or a multiple choice's "choices"), counted in the database.
_SHOWN_SQL = """
    SELECT ai.version_id, count(*)
      FROM campaigns_attemptitem ai
      JOIN campaigns_attempt a ON a.id = ai.attempt_id
     WHERE a.campaign_id = %s AND a.status = %s AND ai.version_id = ANY(%s)
     GROUP BY ai.version_id
"""
_CHOSEN_SQL = """
    SELECT an.version_id, picked.option, count(DISTINCT an.attempt_id)
      FROM campaigns_answer an
      JOIN campaigns_attempt a ON a.id = an.attempt_id
      JOIN campaigns_attemptitem ai ON ai.attempt_id = an.attempt_id AND ai.version_id = an.version_id
      CROSS JOIN LATERAL (
            SELECT jsonb_array_elements_text(an.response -> 'choices') AS option
             WHERE jsonb_typeof(an.response -> 'choices') = 'array'
            UNION ALL
            SELECT an.response ->> 'choice'
             WHERE jsonb_typeof(an.response -> 'choice') = 'string' AND an.response ->> 'choice' <> ''
      ) AS picked
     WHERE a.campaign_id = %s AND a.status = %s AND an.version_id = ANY(%s)
     GROUP BY an.version_id, picked.option
"""


def compute(campaign: Campaign) -> dict[str, Any]:
    """The report as plain data (see ``item_analysis.Report``): 5 statements whatever
    the number of attempts; the matrix is filled by numpy, not cell by cell."""
    with connection.cursor() as cursor:
        cursor.execute(_CELLS_SQL, [campaign.pk, Attempt.Status.FINAL])
        rows = cursor.fetchall()
    if rows:
        cells = np.array(rows, dtype=float)
        attempt_col = cells[:, 0].astype(np.int64)
        version_col = cells[:, 1].astype(np.int64)
        position_col = cells[:, 2].astype(np.int64)
        points_col = cells[:, 3]
    else:
        attempt_col = version_col = position_col = np.zeros(0, dtype=np.int64)
        points_col = np.zeros(0)
    attempt_ids, row_index = np.unique(attempt_col, return_inverse=True)
    # Columns in the order of each version's first position, then by id (as Moodle's slots).
    first_position: dict[int, int] = {}
    if rows:
        order = np.lexsort((position_col, version_col))
        starts = np.r_[0, np.flatnonzero(np.diff(version_col[order])) + 1]
        first_position = {int(version_col[order][i]): int(position_col[order][i]) for i in starts}
    version_ids = sorted(first_position, key=lambda v: (first_position[v], v))
    versions = versions_by_id(version_ids)
    column_of = {v: i for i, v in enumerate(version_ids)}
    column_index = np.array([column_of[int(v)] for v in version_col], dtype=np.int64)
    matrix = np.full((len(attempt_ids), len(version_ids)), np.nan)
    matrix[row_index, column_index] = points_col
    slots = np.full((len(attempt_ids), int(position_col.max()) if rows else 0), np.nan)
    slots[row_index, position_col - 1] = points_col
    options = _option_shares(campaign, versions)
    report = item_analysis.analyse(
        matrix,
        [float(versions[v].max_points) for v in version_ids],
        keys=version_ids,
        slots=slots,
        options=options,
    )
    return _as_data(report, versions)


def _option_shares(campaign: Campaign, versions: dict[int, Any]) -> dict[int, dict[str, float]]:
    choice_versions = {pk: v for pk, v in versions.items() if v.item.type in CHOICE_TYPES}
    if not choice_versions:
        return {}
    ids = sorted(choice_versions)
    with connection.cursor() as cursor:
        cursor.execute(_SHOWN_SQL, [campaign.pk, Attempt.Status.FINAL, ids])
        shown = dict(cursor.fetchall())
        cursor.execute(_CHOSEN_SQL, [campaign.pk, Attempt.Status.FINAL, ids])
        chosen: dict[int, dict[str, int]] = defaultdict(dict)
        for version_id, option, count in cursor.fetchall():
            chosen[version_id][option] = count
    return {
        pk: {
            option: (chosen[pk].get(option, 0) / shown[pk] if shown.get(pk) else 0.0)
            for option in choice_ids(version)
        }
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
