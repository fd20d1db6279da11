"""The statistics of year over year, on hand-computed examples (no database)."""

from __future__ import annotations

import pytest

from tutorials.district import stats


def test_paired_change_is_the_mean_difference_with_the_t_interval() -> None:
    # d = 100, -50, 50, 0: mean 25; s² = (75² + 75² + 25² + 25²) / 3 = 12500 / 3;
    # half-width = t(0.975, 3) · s / √4 = 3.18245 · 32.2749 = 102.713.
    change = stats.paired_change([100, -50, 50, 0])
    assert change.n == 4
    assert change.mean == pytest.approx(25)
    assert change.low == pytest.approx(25 - 102.713, abs=1e-3)
    assert change.high == pytest.approx(25 + 102.713, abs=1e-3)
    assert change.within_noise


def test_a_steady_gain_is_not_within_noise() -> None:
    # d = 10, 12, 11, 9, 13: mean 11, s = √2.5, half = t(0.975, 4) · √2.5 / √5 = 2.7764 · 0.7071 = 1.9632.
    change = stats.paired_change([10, 12, 11, 9, 13])
    assert (change.low, change.high) == (pytest.approx(9.0368, abs=1e-3), pytest.approx(12.9632, abs=1e-3))
    assert not change.within_noise


def test_one_pair_has_no_interval_and_counts_as_noise() -> None:
    change = stats.paired_change([30])
    assert change.mean == 30 and change.low is None and change.within_noise
    assert stats.paired_change([]).mean is None


def test_welch_difference_of_two_groups() -> None:
    # [1, 2, 3] vs [4, 5, 6, 7]: diff −3.5, se² = 1/3 + (5/3)/4 = 0.75,
    # ν = 0.75² / ((1/3)²/2 + (5/12)²/3) = 4.959, t ≈ 2.578 → half ≈ 2.233 (R: t.test gives 2.233).
    change = stats.welch_difference([1, 2, 3], [4, 5, 6, 7])
    assert change.mean == pytest.approx(-3.5)
    assert change.high == pytest.approx(-3.5 + 2.233, abs=0.01)
    assert change.low == pytest.approx(-3.5 - 2.233, abs=0.01)
    assert not change.within_noise


def test_t_quantiles_match_the_printed_tables() -> None:
    for df, printed in ((1, 12.706), (3, 3.182), (10, 2.228), (30, 2.042), (120, 1.980)):
        assert stats.t975(df) == pytest.approx(printed, abs=5e-4)
    assert stats.t975(10_000) == pytest.approx(1.95996, abs=1e-3)
    assert all(stats.t975(df) > stats.t975(df + 0.5) for df in range(1, 60))
    assert 2.571 < stats.t975(4.5) < 2.776  # Welch's fractional ν lies between its neighbours
    with pytest.raises(ValueError):
        stats.t975(0.5)
