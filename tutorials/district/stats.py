"""The statistics of the district picture.

Paired difference (year over year)
----------------------------------
For the n teachers who took both Septembers, d_i = this year's % − last year's % on
the topic.  The change is the mean d̄, with the 95 % confidence interval

    d̄ ± t(0.975, n − 1) · s_d / √n,     s_d the sample standard deviation of d_i,

(Student's paired t-interval).  A change whose interval contains 0 is "within noise".
n < 2 has no interval.

Two groups (routes addressed the topic vs not)
----------------------------------------------
Difference of the groups' mean changes with Welch's interval:
    (d̄₁ − d̄₂) ± t(0.975, ν) · √(s₁²/n₁ + s₂²/n₂),  ν by Welch–Satterthwaite.

t quantiles come from SciPy (``scipy.stats.t.ppf``), fractional degrees of freedom included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import t as student_t


def t975(df: float) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (fractional for Welch's ν)."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    return float(student_t.ppf(0.975, df))


@dataclass(frozen=True)
class Change:
    n: int
    mean: float | None
    low: float | None
    high: float | None

    @property
    def within_noise(self) -> bool:
        """No interval (n < 2) or an interval that contains 0."""
        return self.low is None or self.high is None or self.low <= 0 <= self.high

    def as_dict(self) -> dict[str, float | int | None]:
        return {"n": self.n, "mean": self.mean, "low": self.low, "high": self.high}


def _mean_var(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, var


def paired_change(differences: list[float]) -> Change:
    """Mean paired difference with its 95 % t-interval (see the module's docstring)."""
    n = len(differences)
    if n == 0:
        return Change(0, None, None, None)
    mean, var = _mean_var(differences)
    if n < 2:
        return Change(n, mean, None, None)
    half = t975(n - 1) * math.sqrt(var / n)
    return Change(n, mean, mean - half, mean + half)


def welch_difference(first: list[float], second: list[float]) -> Change:
    """Difference of the means (first − second) with Welch's 95 % interval; n is both groups."""
    n1, n2 = len(first), len(second)
    if n1 == 0 or n2 == 0:
        return Change(n1 + n2, None, None, None)
    m1, v1 = _mean_var(first)
    m2, v2 = _mean_var(second)
    diff = m1 - m2
    if n1 < 2 or n2 < 2:
        return Change(n1 + n2, diff, None, None)
    se2 = v1 / n1 + v2 / n2
    if se2 == 0:
        return Change(n1 + n2, diff, diff, diff)
    df = se2**2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    half = t975(max(df, 1.0)) * math.sqrt(se2)
    return Change(n1 + n2, diff, diff - half, diff + half)
