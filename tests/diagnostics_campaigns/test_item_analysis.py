"""Item analysis against values worked out by hand (Moodle's formulas) on a small matrix.

Six attempts, five items; items 1-4 are worth 1 point, item 5 is worth 2::

         i1 i2 i3 i4 i5   total
    A     1  1  1  0  2     5
    B     1  1  0  0  2     4
    C     1  0  1  0  1     3
    D     1  1  0  1  0     3
    E     0  0  0  1  2     3
    F     0  0  0  1  0     1

"Rest of the test" is the total minus the item.  Variances divide by s - 1 = 5.
"""

from __future__ import annotations

from math import isclose, nan, sqrt

import numpy as np
import pytest

from tutorials.diagnostics.campaigns.item_analysis import analyse, option_shares

MATRIX = [
    [1, 1, 1, 0, 2],
    [1, 1, 0, 0, 2],
    [1, 0, 1, 0, 1],
    [1, 1, 0, 1, 0],
    [0, 0, 0, 1, 2],
    [0, 0, 0, 1, 0],
]
MAX = [1, 1, 1, 1, 2]


def close(a: float | None, b: float) -> bool:
    return a is not None and isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.fixture(scope="module")
def report():
    return analyse(MATRIX, MAX, keys=["i1", "i2", "i3", "i4", "i5"])


def test_item_1_facility_sd_discrimination_and_efficiency_by_hand(report) -> None:
    item = report.items[0]
    # marks 1,1,1,1,0,0: mean 4/6; deviations ±; Σd² = 4·(1/3)² + 2·(2/3)² = 4/3 → var 4/15.
    assert item.n == 6
    assert close(item.facility, 2 / 3)
    assert close(item.sd_points, sqrt(4 / 15))
    assert close(item.sd, sqrt(4 / 15))
    # rest 4,3,2,2,3,1 (mean 2.5): Σd² = 2.25+.25+.25+.25+.25+2.25 = 5.5 → var 11/10.
    # Σ d_mark·d_rest = (1/3)(1.5+.5-.5-.5) + (-2/3)(.5-1.5) = 1/3 + 2/3 = 1 → cov 1/5.
    # DI = 100 · (1/5) / √(4/15 · 11/10)
    assert close(item.discrimination_index, 100 * 0.2 / sqrt(4 / 15 * 11 / 10))
    assert isclose(item.discrimination_index, 36.9274, abs_tol=1e-4)
    # Sorted pairs: marks 0,0,1,1,1,1 with rest 1,2,2,3,3,4:
    # Σ = (-2/3)(-1.5-.5) + (1/3)(-.5+.5+.5+1.5) = 4/3 + 2/3 = 2 → cov_max 2/5.
    assert close(item.discriminative_efficiency, 50.0)
    assert not item.dubious
    assert item.needs_checking == "likely"  # 30 ≤ 36.9 < 50


def test_negative_discrimination_item_by_hand(report) -> None:
    item = report.items[3]
    # marks 0,0,0,1,1,1 (mean 1/2, var 3/10); rest 5,4,3,2,2,0 (mean 8/3, var 46/15).
    # Σ d_mark·d_rest = -1/2·(7/3+4/3+1/3) + 1/2·(-2/3-2/3-8/3) = -2 - 2 = -4 → cov -4/5.
    assert close(item.facility, 0.5)
    assert close(item.discrimination_index, 100 * -0.8 / sqrt(0.3 * 46 / 15))
    assert item.discrimination_index < -83
    # Sorted pairing gives cov_max +4/5, so efficiency is -100 %.
    assert close(item.discriminative_efficiency, -100.0)
    assert item.dubious
    assert item.needs_checking == "very_likely"
    # Moodle gives no effective weight to an item whose covariance with the total is negative.
    assert item.effective_weight is None


def test_item_below_15_percent_efficiency_is_dubious(report) -> None:
    item = report.items[2]
    # cov 1/15, cov_max 7/15 → 100/7 = 14.29 % < 15 %.
    assert close(item.discriminative_efficiency, 100 / 7)
    assert item.dubious
    assert close(item.discrimination_index, 100 * (1 / 15) / sqrt(4 / 15 * 41 / 30))
    assert item.needs_checking == "very_likely"


def test_two_point_item_sd_is_a_fraction_of_its_maximum(report) -> None:
    item = report.items[4]
    # marks 2,2,1,0,2,0: mean 7/6 → facility 7/12; Σd² = 29/6 → var 29/30.
    assert close(item.facility, 7 / 12)
    assert close(item.sd_points, sqrt(29 / 30))
    assert close(item.sd, sqrt(29 / 30) / 2)
    # Its covariance with the rest is exactly 0.
    assert close(item.discrimination_index, 0.0)
    assert close(item.discriminative_efficiency, 0.0)


def test_effective_weights_share_the_positive_covariances_with_the_total(report) -> None:
    # cov(item, total): 7/15, 1/2, 1/3, -1/2, 29/30
    roots = [sqrt(7 / 15), sqrt(1 / 2), sqrt(1 / 3), sqrt(29 / 30)]
    total = sum(roots)
    weights = [report.items[i].effective_weight for i in (0, 1, 2, 4)]
    for weight, root in zip(weights, roots, strict=True):
        assert close(weight, 100 * root / total)


def test_test_level_statistics_by_hand(report) -> None:
    test = report.test
    # totals 5,4,3,3,3,1: mean 19/6, median (3+3)/2 = 3.
    assert test.n == 6
    assert test.max_points == 6
    assert close(test.mean, 19 / 6)
    assert close(test.median, 3.0)
    # Σd² = 53/6 → k2 = 53/30, SD = √(53/30)
    assert close(test.sd, sqrt(53 / 30))
    # Σd³ = -31/9 → k3 = s²·m3/((s-1)(s-2)) = -31/30; skewness = k3 / k2^1.5
    assert close(test.skewness, (-31 / 30) / (53 / 30) ** 1.5)
    # Σd⁴ = 2435/72 → k4 = 25/6; kurtosis = k4/k2² = 3750/2809
    assert close(test.kurtosis, 3750 / 2809)
    # Σ item variances = 4/15+3/10+4/15+3/10+29/30 = 21/10; CIC = 100·5/4·(1 - (21/10)/(53/30)) = -1250/53
    assert close(test.cic, -1250 / 53)
    assert close(test.error_ratio, 100 * sqrt(1 + 1250 / 5300))
    assert close(test.standard_error, test.error_ratio * sqrt(53 / 30) / 100)
    assert not report.few_attempts


def test_consistent_items_give_a_high_alpha() -> None:
    # Three items that rank the five attempts the same way.
    report = analyse([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 1]], [1, 1, 1])
    # totals 3,2,1,0,3: k2 = 1.7; item variances .2, .3, .3 → α = 1.5·(1 - .8/1.7)
    assert close(report.test.cic, 100 * 1.5 * (1 - 0.8 / 1.7))
    assert report.test.cic > 75


def test_fewer_than_five_attempts_are_flagged_with_their_n() -> None:
    report = analyse([[1, 0], [0, 1], [1, 1]], [1, 1])
    assert report.test.n == 3
    assert report.few_attempts
    assert report.items[0].few_attempts and report.items[0].n == 3


def test_one_attempt_has_no_spread_and_no_attempts_has_nothing() -> None:
    single = analyse([[1, 0]], [1, 1])
    assert single.test.mean == 1 and single.test.sd is None and single.test.cic is None
    assert single.items[0].facility == 1 and single.items[0].discrimination_index is None
    empty = analyse(np.empty((0, 2)), [1, 1])
    assert empty.test.n == 0 and empty.test.mean is None and empty.items[0].facility is None


def test_blueprint_items_use_only_the_attempts_that_saw_them() -> None:
    # Four attempts each drew 2 of 3 items: NaN where not shown.
    marks = [[1, nan, 1], [1, 0, nan], [nan, 0, 0], [0, nan, 1], [1, 1, nan]]
    report = analyse(marks, [1, 1, 1])
    assert report.items[0].n == 4 and close(report.items[0].facility, 0.75)
    assert report.items[1].n == 3 and close(report.items[1].facility, 1 / 3)
    # Consistency over the two positions of each attempt.
    slots = np.array([[1, 1], [1, 0], [0, 0], [0, 1], [1, 1]], dtype=float)
    k2 = np.var(slots.sum(axis=1), ddof=1)
    expected = 100 * 2 * (1 - (slots[:, 0].var(ddof=1) + slots[:, 1].var(ddof=1)) / k2)
    assert close(report.test.cic, float(expected))
    assert report.test.max_points == 2


def test_option_shares_count_the_attempts_shown_the_item() -> None:
    shares = option_shares([["a"], ["b"], ["a", "c"], None, []], ["a", "b", "c", "d"])
    assert shares == {"a": 0.5, "b": 0.25, "c": 0.25, "d": 0.0}
