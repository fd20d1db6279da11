"""Compute the district picture of one campaign (the heavy part, run by Celery).

The result is plain JSON, stored in :class:`PictureSnapshot`, *before* suppression:
``picture`` applies the n < 3 rule and complementary suppression on every read.

* Heatmap cells: per school and topic, n (teachers with a final result on the topic),
  the mean percentage, and how many of them have a deficit there (the diagnostics'
  ``deficits_in_campaign``: below the campaign's threshold, or declared in the
  questionnaire).
* Year over year: the same subject's campaign of the year before; a teacher's
  result on last year's topics is carried to this year's topics through the
  codifier's mapping (a topic measured both years under the same id continues
  itself; when several old topics continue into one, their points are pooled).
  Only teachers who took both count (paired), each in this year's school.
* Routes: teachers whose route of the year in between planned work on the topic
  (or on a topic the mapping carries to it) against those whose route did not.
* Support: ``selectors.support_counts`` for this campaign's year.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from codifier.models import code_sort_key
from tutorials.diagnostics.campaigns.models import Campaign
from tutorials.diagnostics.campaigns.selectors import deficits_in_campaign

from . import selectors, stats


def _percent(earned: Decimal, possible: Decimal) -> float:
    return float(earned * 100 / possible)


def heatmap_cells(campaign: Campaign, results: list[selectors.Result]) -> list[list[Any]]:
    """[school_id, topic_id, n, mean %, teachers with a deficit] per cell with teachers."""
    deficits = deficits_in_campaign(campaign)
    deficient = {
        (teacher_id, d.topic_id) for teacher_id, found in deficits.items() for d in found if d.topic_id
    }
    sums: dict[tuple[int | None, int], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for r in results:
        cell = sums[(r.school_id, r.topic_id)]
        cell[0] += 1
        cell[1] += _percent(r.earned, r.possible)
        cell[2] += (r.teacher_id, r.topic_id) in deficient
    return [
        [school_id, topic_id, int(n), total / n, int(low)]
        for (school_id, topic_id), (n, total, low) in sums.items()
        if school_id is not None
    ]


def _by_teacher(results: list[selectors.Result]) -> dict[int, dict[int, tuple[Decimal, Decimal]]]:
    found: dict[int, dict[int, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for r in results:
        found[r.teacher_id][r.topic_id] = (r.earned, r.possible)
    return found


def paired_differences(
    new: list[selectors.Result], old: list[selectors.Result], mapping: dict[int, set[int]]
) -> dict[tuple[int, int], tuple[int | None, float, float]]:
    """(teacher, new topic) -> (this year's school, last year's %, this year's %), for pairs."""
    old_by = _by_teacher(old)
    schools = {r.teacher_id: r.school_id for r in new}
    found: dict[tuple[int, int], tuple[int | None, float, float]] = {}
    for teacher_id, topics in _by_teacher(new).items():
        before = old_by.get(teacher_id)
        if not before:
            continue
        carried: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for old_topic, (earned, possible) in before.items():
            for new_topic in mapping.get(old_topic, ()):
                carried[new_topic][0] += earned
                carried[new_topic][1] += possible
        for topic_id, (earned, possible) in topics.items():
            if topic_id in carried and carried[topic_id][1] > 0:
                e, p = carried[topic_id]
                found[(teacher_id, topic_id)] = (
                    schools[teacher_id],
                    _percent(e, p),
                    _percent(earned, possible),
                )
    return found


def _change_row(school_id: int | None, topic_id: int, pairs: list[tuple[float, float]]) -> list[Any]:
    change = stats.paired_change([after - before for before, after in pairs])
    n = len(pairs)
    return [
        school_id,
        topic_id,
        n,
        sum(b for b, _a in pairs) / n,
        sum(a for _b, a in pairs) / n,
        change.mean,
        change.low,
        change.high,
    ]


def year_over_year(
    campaign: Campaign, new: list[selectors.Result], previous: Campaign
) -> tuple[list[list[Any]], list[list[Any]]]:
    old = selectors.final_results(previous.pk)
    mapping = selectors.mapping_to({r.topic_id for r in new}, {r.topic_id for r in old})
    pairs = paired_differences(new, old, mapping)
    cells: dict[tuple[int | None, int], list[tuple[float, float]]] = defaultdict(list)
    district: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for (_teacher, topic_id), (school_id, before, after) in pairs.items():
        if school_id is not None:
            cells[(school_id, topic_id)].append((before, after))
        district[topic_id].append((before, after))
    rows = [_change_row(s, t, v) for (s, t), v in cells.items()]
    rows += [_change_row(None, t, v) for t, v in district.items()]
    # Routes of the year in between (last year's, made from last September's deficits).
    planned = selectors.route_topics(previous.academic_year_id, campaign.subject_id)
    effect = []
    for topic_id, values in _route_groups(pairs, planned, mapping).items():
        addressed, other = values
        effect.append(
            [
                topic_id,
                stats.paired_change(addressed).as_dict(),
                stats.paired_change(other).as_dict(),
                stats.welch_difference(addressed, other).as_dict(),
            ]
        )
    return rows, effect


def _route_groups(
    pairs: dict[tuple[int, int], tuple[int | None, float, float]],
    planned: dict[int, set[int]],
    mapping: dict[int, set[int]],
) -> dict[int, tuple[list[float], list[float]]]:
    groups: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for (teacher_id, topic_id), (_school, before, after) in pairs.items():
        topics = planned.get(teacher_id, set())
        reached = set(topics) | {t for o in topics for t in mapping.get(o, ())}
        groups[topic_id][0 if topic_id in reached else 1].append(after - before)
    return groups


def picture_data(campaign: Campaign) -> dict[str, Any]:
    """Everything the pages and exports of this campaign show, unsuppressed."""
    from django.db import connection

    results = selectors.final_results(campaign.pk)
    previous = selectors.previous_campaign(campaign)
    yoy: list[list[Any]] = []
    effect: list[list[Any]] = []
    if previous is not None:
        yoy, effect = year_over_year(campaign, results, previous)
    cells = heatmap_cells(campaign, results)
    topic_ids = {c[1] for c in cells} | {r[1] for r in yoy}
    topics = selectors.topic_rows(topic_ids)
    ordered = sorted(topics.items(), key=lambda kv: (code_sort_key(kv[1][0]), kv[1][2]))
    centre_id = connection.tenant.pk  # type: ignore[attr-defined]
    support = selectors.support_counts(campaign.academic_year, campaign.subject_id)
    return {
        "campaign": {"id": campaign.pk, "title": campaign.title, "threshold": campaign.deficit_threshold},
        "year": {"id": campaign.academic_year_id, "name": campaign.academic_year.name},
        "subject": {"id": campaign.subject_id, "name": campaign.subject.name},
        "previous": (
            {"id": previous.pk, "title": previous.title, "year": previous.academic_year.name}
            if previous
            else None
        ),
        "topics": [[pk, code, title] for pk, (code, title, _pos) in ordered],
        "schools": {str(k): v for k, v in selectors.schools_of(centre_id).items()},
        "cells": cells,
        "yoy": yoy,
        "routes_effect": effect,
        "support": {str(k): v for k, v in support.items()},
    }
