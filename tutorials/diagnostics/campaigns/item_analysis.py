"""Item analysis, computed exactly as Moodle's quiz statistics report computes it.

Pure functions over a score matrix (rows: attempts, columns: items; a cell is the
points the attempt earned on the item, ``NaN`` when the attempt was not shown it).
The formulas follow Moodle:

* per item: ``question/classes/statistics/questions/calculator.php``
  (facility, SD, discrimination index, discriminative efficiency, effective weight);
* per test: ``mod/quiz/report/statistics/classes/calculator.php`` (mean, median,
  SD, skewness and kurtosis from the k-statistics, coefficient of internal
  consistency, error ratio, standard error);
* flags: ``statistics_table::is_dubious_question`` (discriminative efficiency
  below 15 %) and ``qbank_statistics\\helper::format_discrimination_index``
  ("needs checking": very likely below 30 %, likely below 50 %).

Each item is treated as Moodle treats a question in its slot: "the rest of the
test" is the attempt's total minus the item's own mark.  Variances and
covariances divide by ``s - 1``.  Percentages (DI, DE, CIC, error ratio,
effective weight) are on Moodle's 0-100 scale; facility and the item SD are
fractions of the item's maximum (Moodle shows them multiplied by 100).

For a blueprint form (each teacher drew other items), an item's figures use
only the attempts that were shown it, and the test's consistency uses the
*positions* (slot matrix: the attempt's 1st, 2nd, ... item), as Moodle does for
random questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import sqrt
from typing import Any

import numpy as np

#: Moodle marks an item "dubious" when its discriminative efficiency is below this (%).
DUBIOUS_EFFICIENCY = 15.0
#: Moodle's "Needs checking?" thresholds on the discrimination index (%).
NEEDS_CHECKING_VERY_LIKELY = 30.0
NEEDS_CHECKING_LIKELY = 50.0
#: Statistics of fewer attempts than this are shown with their n and a warning.
MIN_ATTEMPTS = 5


@dataclass(frozen=True)
class ItemStats:
    key: Any
    n: int
    max_points: float
    mean: float | None  # average mark, in points
    facility: float | None  # mean / max, 0..1
    sd: float | None  # SD of the marks / max, 0..1 (Moodle's column)
    sd_points: float | None
    discrimination_index: float | None  # %, correlation with the rest of the test
    discriminative_efficiency: float | None  # %, covariance / the largest possible one
    effective_weight: float | None  # %
    options: dict[str, float] = field(default_factory=dict)  # choice items: share per option

    @property
    def dubious(self) -> bool:
        efficiency = self.discriminative_efficiency
        return efficiency is not None and efficiency < DUBIOUS_EFFICIENCY

    @property
    def needs_checking(self) -> str | None:
        """``very_likely`` / ``likely`` / ``unlikely``, or None when there is no index."""
        if self.discrimination_index is None:
            return None
        if self.discrimination_index < NEEDS_CHECKING_VERY_LIKELY:
            return "very_likely"
        if self.discrimination_index < NEEDS_CHECKING_LIKELY:
            return "likely"
        return "unlikely"

    @property
    def few_attempts(self) -> bool:
        return self.n < MIN_ATTEMPTS


@dataclass(frozen=True)
class QuizStats:
    n: int
    max_points: float
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    cic: float | None  # %, Cronbach's α × 100
    error_ratio: float | None  # %
    standard_error: float | None  # points

    @property
    def few_attempts(self) -> bool:
        return self.n < MIN_ATTEMPTS


@dataclass(frozen=True)
class Report:
    test: QuizStats
    items: list[ItemStats]

    @property
    def few_attempts(self) -> bool:
        return self.test.few_attempts


def _none_if_nan(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def item_stats(
    marks: np.ndarray, totals: np.ndarray, max_points: float, key: Any = None
) -> tuple[ItemStats, float | None, float | None]:
    """One item's statistics over the attempts that saw it (``marks`` not NaN).

    Returns the stats, the item's mark variance (for the CIC) and its covariance
    with the overall mark (for the effective weight).
    """
    seen = ~np.isnan(marks)
    mark = marks[seen].astype(float)
    other = totals[seen].astype(float) - mark
    s = int(mark.size)
    if s == 0:
        return ItemStats(key, 0, max_points, None, None, None, None, None, None, None), None, None
    mean = float(mark.mean())
    other_mean = float(other.mean())
    facility = mean / max_points if max_points else None
    if s < 2:
        stats = ItemStats(key, s, max_points, mean, facility, None, None, None, None, None)
        return stats, None, None
    d_mark = mark - mean
    d_other = other - other_mean
    # Moodle pairs the sorted marks with the sorted other marks for the largest
    # covariance the item could have had with the rest of the test.
    d_sorted = (np.sort(mark) - mean) * (np.sort(other) - other_mean)
    mark_var = float((d_mark**2).sum()) / (s - 1)
    other_var = float((d_other**2).sum()) / (s - 1)
    cov = float((d_mark * d_other).sum()) / (s - 1)
    cov_max = float(d_sorted.sum()) / (s - 1)
    cov_overall = float((d_mark * (totals[seen] - totals[seen].mean())).sum()) / (s - 1)
    sd_points = sqrt(mark_var)
    di = 100 * cov / sqrt(mark_var * other_var) if mark_var * other_var else None
    de = 100 * cov / cov_max if cov_max else None
    stats = ItemStats(
        key,
        s,
        max_points,
        mean,
        facility,
        sd_points / max_points if max_points else None,
        sd_points,
        _none_if_nan(di) if di is not None else None,
        _none_if_nan(de) if de is not None else None,
        None,
    )
    return stats, mark_var, cov_overall


def quiz_stats(totals: np.ndarray, max_points: float, slot_variances: Sequence[float | None]) -> QuizStats:
    """The test's figures from the attempts' totals, as ``quiz_statistics\\calculator``."""
    s = int(totals.size)
    empty = QuizStats(s, max_points, None, None, None, None, None, None, None, None)
    if s == 0:
        return empty
    mean = float(totals.mean())
    ordered = np.sort(totals)
    middle = ordered[s // 2 - 1 : s // 2 + 1] if s % 2 == 0 else ordered[s // 2 : s // 2 + 1]
    median = float(middle.mean())
    if s < 2:
        return QuizStats(s, max_points, mean, median, None, None, None, None, None, None)
    diff = totals - mean
    power2, power3, power4 = float((diff**2).sum()), float((diff**3).sum()), float((diff**4).sum())
    sd = sqrt(power2 / (s - 1))
    skewness = kurtosis = cic = error_ratio = standard_error = None
    if s > 2:
        m2, m3, m4 = power2 / s, power3 / s, power4 / s
        k2 = s * m2 / (s - 1)
        k3 = s * s * m3 / ((s - 1) * (s - 2))
        if k2 != 0:
            skewness = k3 / k2**1.5
            if s > 3:
                k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                kurtosis = k4 / (k2 * k2)
            p = len(slot_variances)
            if p > 1:
                sum_of_mark_variance = sum(v for v in slot_variances if v is not None)
                cic = (100 * p / (p - 1)) * (1 - sum_of_mark_variance / k2)
                error_ratio = 100 * sqrt(1 - cic / 100) if cic <= 100 else None
                standard_error = error_ratio * sd / 100 if error_ratio is not None else None
    return QuizStats(s, max_points, mean, median, sd, skewness, kurtosis, cic, error_ratio, standard_error)


def _slot_matrix(marks: np.ndarray) -> np.ndarray:
    """Each attempt's marks in the order it was shown them (NaN cells dropped)."""
    rows = [row[~np.isnan(row)] for row in marks]
    width = max((row.size for row in rows), default=0)
    slots = np.full((len(rows), width), np.nan)
    for index, row in enumerate(rows):
        slots[index, : row.size] = row
    return slots


def option_shares(choices: Sequence[Sequence[str] | None], options: Sequence[str]) -> dict[str, float]:
    """The share of the attempts shown a choice item that chose each option
    (``None``: not shown; an empty list: shown, nothing chosen)."""
    shown = [chosen for chosen in choices if chosen is not None]
    if not shown:
        return {option: 0.0 for option in options}
    return {option: sum(option in chosen for chosen in shown) / len(shown) for option in options}


def analyse(
    marks: np.ndarray | Sequence[Sequence[float]],
    max_points: Sequence[float],
    *,
    keys: Sequence[Any] | None = None,
    slots: np.ndarray | None = None,
    options: dict[Any, dict[str, float]] | None = None,
) -> Report:
    """The whole report.  ``marks``: attempts × items (NaN = not shown);
    ``max_points``: per item; ``slots``: attempts × positions for the test's
    consistency (default: the items themselves for a fixed form, the attempts'
    positions for a blueprint); ``options``: per item key, its option shares."""
    matrix = np.asarray(marks, dtype=float)
    if matrix.ndim != 2:
        matrix = matrix.reshape(0, len(max_points))
    maxima = [float(m) for m in max_points]
    keys = list(keys) if keys is not None else list(range(len(maxima)))
    totals = np.nansum(matrix, axis=1)
    if slots is None:
        slots = matrix if not np.isnan(matrix).any() else _slot_matrix(matrix)
    slot_variances = []
    for column in np.asarray(slots, dtype=float).T:
        seen = column[~np.isnan(column)]
        slot_variances.append(float(seen.var(ddof=1)) if seen.size > 1 else None)

    items: list[ItemStats] = []
    root_covariances: list[float | None] = []
    for index, key in enumerate(keys):
        stats, _, cov_overall = item_stats(matrix[:, index], totals, maxima[index], key)
        if options and key in options:
            stats = replace(stats, options=options[key])
        items.append(stats)
        root_covariances.append(sqrt(cov_overall) if cov_overall is not None and cov_overall >= 0 else None)
    # Effective weight: the item's share of the spread of the totals (Moodle:
    # √cov(item, total) over the sum of them; no weight for a negative covariance).
    sum_roots = sum(r for r in root_covariances if r is not None)
    if sum_roots:
        items = [
            replace(stats, effective_weight=100 * root / sum_roots if root is not None else None)
            for stats, root in zip(items, root_covariances, strict=True)
        ]
    # A blueprint's attempts have as many positions as items they were shown.
    test_max = float(sum(maxima)) if slots is matrix else _blueprint_max(matrix, maxima)
    return Report(test=quiz_stats(totals, test_max, slot_variances), items=items)


def _blueprint_max(matrix: np.ndarray, maxima: list[float]) -> float:
    if matrix.shape[0] == 0:
        return 0.0
    shown = ~np.isnan(matrix[0])
    return float(np.asarray(maxima)[shown].sum())
