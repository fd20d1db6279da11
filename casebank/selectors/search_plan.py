"""How a page of search matches is found in a large bank (``casebank.selectors.search``):
the window of the newest (best rated) materials where the page is looked for first, exact
either way, and the planner settings around the search statement (bench/README.md, 6.4)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from ..models import Material


def exact_total_up_to() -> int:
    """Matches are counted exactly up to this; beyond it the total shows as «more than …»."""
    return int(getattr(settings, "CASEBANK_SEARCH_EXACT_TOTAL", 1000))


def window_size() -> int:
    """How many of the bank's newest (best rated) materials the window holds (``page_window``)."""
    return int(getattr(settings, "CASEBANK_SEARCH_WINDOW", 20_000))


# The most ts_rank can give with its default weights (1.0, 0.4, 0.2, 0.1) and normalisation 0:
# for a query of several words it is 1 - prod(1 - w), which reaches 1.0 in single precision for
# a material with its words close together several times in the title and abstract.
RANK_CEILING = 1.0


# Around the search statement (then set back to what they were):
# * ``work_mem``: the matches' bitmap must stay exact. Past the default 4 MB (a common word's
#   matches ANDed with a filter's index at 1,000,000 materials) it turns lossy, and every row of a
#   lossy page is tested against the query again, reading its whole vector out of TOAST
#   (8 times the buffers; bench/README.md, 6.4);
# * around the window's statement, ``enable_indexscan`` off: PostgreSQL would rather walk the
#   column's btree and test the query on every row it meets (out of TOAST again: its cost model
#   does not see that) than AND the two indexes' bitmaps.
# * ``jit`` off: at 1,000,000 materials the statement's estimated cost passes the thresholds of
#   JIT compilation, which then took 0.3–0.8 s per search for a statement that runs in 20–50 ms.
_SEARCH_SETTINGS = (("work_mem", "64MB"), ("jit", "off"))
_WINDOW_SETTINGS = ("enable_indexscan",)


def planner_settings(*, window: bool) -> tuple[str, list[str]]:
    """The statement that changes the settings (reading their values first) and their names."""
    changes = [*_SEARCH_SETTINGS] + [(name, "off") for name in _WINDOW_SETTINGS if window]
    values = ", ".join(f"current_setting('{name}')" for name, _value in changes)
    sets = ", ".join(f"set_config('{name}', '{value}', false)" for name, value in changes)
    return f"SELECT {values}, {sets}", [name for name, _value in changes]


def settings_restored(names: list[str], values: Any) -> tuple[str, list[Any]]:
    sets = ", ".join(f"set_config('{name}', %s, false)" for name in names)
    return f"SELECT {sets}", list(values[: len(names)])


def page_window(sort: str, needed: int) -> tuple[str, Any] | None:
    """The window in which the first ``needed`` results are looked for first, or None (the bank
    is about the window's size or smaller, or not analysed yet): ``(column, threshold)``, the
    materials with ``column >= threshold``, about the bank's newest (by rating: best rated)
    ``window_size()``, read off PostgreSQL's statistics of the column (``pg_stats``: no scan).

    The page found there is EXACTLY the page of the full ranking when the window holds at least
    ``needed`` results that nothing outside it can pass (``_full_text_page`` checks it in SQL and
    otherwise ranks every match in the same statement), whatever the threshold:

    * newest first, or best rated: any ``needed`` matches (every material outside the window is
      older, or rated lower);
    * by relevance: ``needed`` matches ranked ``RANK_CEILING`` (ts_rank's maximum): a material
      outside the window ranks at most the same and is older, so it comes after them.
    """
    column, kind = ("rating_average", "numeric") if sort == "rating" else ("published_at", "timestamptz")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT reltuples FROM pg_class WHERE oid = %s::regclass) * (1 - null_frac),"  # noqa: S608
            f" most_common_vals::text::{kind}[], most_common_freqs, histogram_bounds::text::{kind}[]"
            " FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
            [Material._meta.db_table, Material._meta.db_table, column],
        )
        stats = cursor.fetchone()
    if not stats or not stats[0] or stats[0] <= 0:
        return None
    rows, common, frequencies, bounds = stats[0], stats[1] or [], stats[2] or [], stats[3] or []
    wanted = max(window_size(), needed) / rows
    # Each histogram bucket holds an equal share of the values that are not among the common ones.
    bucket = (1 - sum(frequencies)) / (len(bounds) - 1) if len(bounds) > 1 else 0
    for value in sorted({*common, *bounds}, reverse=True):
        share = sum(f for v, f in zip(common, frequencies, strict=True) if v >= value)
        share += bucket * max(0, sum(1 for b in bounds if b >= value) - 1)
        if share >= wanted:
            return (column, value) if share < 0.8 else None  # most of the bank: no window
    return None


def round_below(number: int) -> int:
    """The largest round number (one significant digit) below ``number``: 736 → 700, 154 → 100."""
    if number <= 1:
        return 0
    scale = 10 ** (len(str(number - 1)) - 1)
    return (number - 1) // scale * scale
