"""n < 3 cells are hidden, and so are the cells that would let one work them out (no database)."""

from __future__ import annotations

import itertools

from tutorials.district.suppression import MINIMUM, hidden_cells


def _recoverable(sizes: dict[str, int], hidden: set[str], total_shown: bool) -> bool:
    """Could someone who sees the visible cells and the total, and knows at most one hidden cell
    (their own school's), isolate a group of fewer than three teachers?"""
    if not hidden or not total_shown:
        return False
    rest = sum(sizes[k] for k in hidden)
    if len(hidden) == 1:
        return True
    return any(rest - sizes[k] < MINIMUM for k in hidden)


def test_nothing_hidden_when_every_cell_has_three_teachers() -> None:
    assert hidden_cells({"a": 3, "b": 10}) == (set(), True)


def test_a_small_cell_takes_the_next_smallest_with_it() -> None:
    # Four single teachers hidden together: each is covered by the three others.
    assert hidden_cells({"a": 1, "b": 1, "c": 1, "d": 1, "e": 50}) == ({"a", "b", "c", "d"}, True)
    # a (2) and b (4) alone are not enough: b's school, knowing its own 4, would be left with
    # a's 2. So the rule goes on, smallest first, until each hidden cell is covered by three others.
    hidden, total = hidden_cells({"a": 2, "b": 4, "c": 30, "d": 40})
    assert hidden == {"a", "b", "c"} and total
    hidden, total = hidden_cells({"a": 1, "b": 5, "c": 6, "d": 40})
    assert hidden == {"a", "b", "c"} and total


def test_with_two_schools_one_small_the_district_cell_is_hidden_too() -> None:
    assert hidden_cells({"a": 4, "b": 2}) == ({"a", "b"}, False)


def test_a_district_of_fewer_than_three_is_hidden() -> None:
    assert hidden_cells({"a": 1, "b": 1}) == ({"a", "b"}, False)


def test_no_combination_of_columns_leaves_a_small_group_recoverable() -> None:
    for sizes_tuple in itertools.product([0, 1, 2, 3, 4, 7], repeat=4):
        sizes = {k: n for k, n in zip("abcd", sizes_tuple, strict=True) if n}
        hidden, total = hidden_cells(sizes)
        assert {k for k, n in sizes.items() if n < MINIMUM} <= hidden
        assert not _recoverable(sizes, hidden, total), sizes
