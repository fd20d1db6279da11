"""Small cells are hidden, and so is whatever would let one work them out.

Primary suppression: a cell of fewer than ``MINIMUM`` (3) teachers shows "n < 3".

Complementary suppression: the district row pools every teacher, so in a column
(one topic) with a hidden cell, district − the visible cells would give the hidden
cell back.  So more cells of the column are hidden, smallest first, until the hidden
cells of the column are at least two and, for *each* hidden cell, the other hidden
cells together hold at least ``MINIMUM`` teachers.  The second condition also holds
against a school administrator who knows their own school's cell (a hidden cell of
their school) and subtracts it: what is left is still a group of at least three.
When the column runs out of cells to hide, the district's cell of that column is
hidden too.

Rows have no total across topics (a school's means per topic do not add up to
anything), and the "total" row is the unweighted mean of the *visible* school
cells, so neither opens another way back.  What this does not protect against: a
visible cell whose share with a deficit is 0 % or 100 % says something about every
teacher in it (that they all have, or none has, the deficit); the picture shows
shares, as the issue asks, and the methodologists see names anyway.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

MINIMUM = 3

K = TypeVar("K", bound=Hashable)


def _safe(hidden: set[K], sizes: Mapping[K, int]) -> bool:
    total = sum(sizes[k] for k in hidden)
    return len(hidden) >= 2 and all(total - sizes[k] >= MINIMUM for k in hidden)


def hidden_cells(sizes: Mapping[K, int]) -> tuple[set[K], bool]:
    """One column: ``sizes`` (row key -> n, rows without teachers left out).

    Returns the rows to hide and whether the column's total may be shown."""
    hidden = {k for k, n in sizes.items() if n < MINIMUM}
    total = sum(sizes.values())
    if not hidden:
        return hidden, total >= MINIMUM
    candidates = sorted((n, str(k), k) for k, n in sizes.items() if k not in hidden)
    while not _safe(hidden, sizes) and candidates:
        hidden.add(candidates.pop(0)[2])
    return hidden, total >= MINIMUM and _safe(hidden, sizes)
