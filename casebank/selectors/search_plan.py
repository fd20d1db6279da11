"""How a page of search matches is found in a large bank (``casebank.selectors.search``):
the window of the newest (best rated) materials where the page is looked for first, exact
either way, and the planner settings around the search statement (bench/README.md, 6.4)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from ..models import Material


def exact_total_up_to() -> int:
    """Matches are counted exactly up to this; beyond it the total shows as «more than …»."""
    return int(getattr(settings, "CASEBANK_SEARCH_EXACT_TOTAL", 1000))


def window_size() -> int:
    """How many of the bank's newest (best rated) materials the window holds (``page_window``)."""
    return int(getattr(settings, "CASEBANK_SEARCH_WINDOW", 20_000))


def window_share() -> float:
    """The window is tried only when it is at most this share of the bank: a failed attempt costs
    a second bitmap of the query's words, which only a small window repays (bench/README.md, 6.6)."""
    return float(getattr(settings, "CASEBANK_SEARCH_WINDOW_SHARE", 0.1))


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
# * ``enable_seqscan`` off: the matches counted up to 1,001 (a LIMIT) looked cheaper to
#   PostgreSQL read from the table's start, testing the query on every row out of TOAST (154 ms
#   for «оптика» at 1,000,000) than through the GIN index (10 ms). Every part of the statement
#   is meant to start from an index.
# * ``max_parallel_workers_per_gather`` 0: at 1,000,000 PostgreSQL planned workers for the CTE of
#   every match and launched them even when a first look held the page and the CTE read nothing
#   (5–7 ms); measured at 100,000, workers did not make the ranking faster either.
_SEARCH_SETTINGS = (
    ("work_mem", "64MB"), ("jit", "off"), ("enable_seqscan", "off"), ("max_parallel_workers_per_gather", "0"),
)  # fmt: skip
_WINDOW_SETTINGS = ("enable_indexscan",)


def _planner_settings(*, window: bool) -> list[tuple[str, str]]:
    return [*_SEARCH_SETTINGS] + [(name, "off") for name in _WINDOW_SETTINGS if window]


def run_with_planner_settings(statement: str, args: list[Any], *, window: bool) -> list[tuple[Any, ...]]:
    """The rows of ``statement`` run with the search's planner settings, which are then what they
    were before.

    Outside a transaction (a request in autocommit) it is ONE round trip: the settings and the
    statement go as one multi-statement query, which PostgreSQL runs as one implicit transaction,
    so ``set_config(..., true)`` lasts exactly as long as the statement.  Inside a transaction the
    settings are read, changed and set back around it (two more round trips)."""
    changes = _planner_settings(window=window)
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:
            local = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in changes)
            cursor.execute(f"SELECT {local}; {statement}", args)
            cursor.nextset()
            return cursor.fetchall()
        values = ", ".join(f"current_setting('{name}')" for name, _value in changes)
        sets = ", ".join(f"set_config('{name}', '{value}', false)" for name, value in changes)
        cursor.execute(f"SELECT {values}, {sets}")
        before = cursor.fetchone()[: len(changes)]
        restore = ", ".join(f"set_config('{name}', %s, false)" for name, _value in changes)
        try:
            cursor.execute(statement, args)
            return cursor.fetchall()
        finally:
            # In an aborted transaction the rollback undoes the settings; the error is the news.
            with contextlib.suppress(DatabaseError):
                cursor.execute(f"SELECT {restore}", list(before))


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
    wanted = max(window_size(), needed)
    with connection.cursor() as cursor:
        # The bank's size first (0.1 ms): the statistics' view costs ~1 ms, read only for a window.
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Material._meta.db_table])
        size = cursor.fetchone()
        if not size or size[0] * window_share() < wanted:
            return None  # not analysed yet, or the window would be much of the bank: it would save little
        cursor.execute(
            f"SELECT 1 - null_frac, most_common_vals::text::{kind}[], most_common_freqs,"  # noqa: S608
            f" histogram_bounds::text::{kind}[] FROM pg_stats"
            " WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
            [Material._meta.db_table, column],
        )
        stats = cursor.fetchone()
    rows = size[0] * stats[0] if stats else 0  # the bank's materials with a value in ``column``
    if not stats or rows <= 0:
        return None
    common, frequencies, bounds = stats[1] or [], stats[2] or [], stats[3] or []
    wanted_share = wanted / rows
    # Each histogram bucket holds an equal share of the values that are not among the common ones.
    bucket = (1 - sum(frequencies)) / (len(bounds) - 1) if len(bounds) > 1 else 0
    common_desc = sorted(zip(common, frequencies, strict=True), reverse=True)
    bounds_desc = sorted(bounds, reverse=True)
    common_share, n_common, n_bounds = 0.0, 0, 0
    for value in sorted({*common, *bounds}, reverse=True):  # the share of the bank at or above it
        while n_common < len(common_desc) and common_desc[n_common][0] >= value:
            common_share += common_desc[n_common][1]
            n_common += 1
        while n_bounds < len(bounds_desc) and bounds_desc[n_bounds] >= value:
            n_bounds += 1
        share = common_share + bucket * max(0, n_bounds - 1)
        if share >= wanted_share:
            return (column, value) if share <= window_share() else None
    return None


# What a first look (the window, or the candidates) found the last time for a search: a search
# whose first look did not hold the page goes straight to ranking every match for a while, instead
# of paying the first look again (the page is exact either way). Per process; a few thousand keys.
FIRST_LOOK_FORGOTTEN_AFTER = 600.0  # seconds
_FIRST_LOOK_KEYS = 4096
_missed: dict[tuple[Any, ...], float] = {}


def _bank() -> str:
    return str(connection.schema_name)  # type: ignore[attr-defined]  # django-tenants' backend


def first_look_missed(key: tuple[Any, ...]) -> bool:
    """Whether the first look for the search ``key`` (in this schema) missed the page recently."""
    missed_at = _missed.get((_bank(), *key))
    return missed_at is not None and time.monotonic() - missed_at < FIRST_LOOK_FORGOTTEN_AFTER


def first_look_remember(key: tuple[Any, ...], *, missed: bool) -> None:
    full = (_bank(), *key)
    if not missed:
        _missed.pop(full, None)
        return
    if len(_missed) >= _FIRST_LOOK_KEYS:
        _missed.clear()
    _missed[full] = time.monotonic()


def first_looks_forget() -> None:
    """Forget every first look (the tests: a rolled-back bank is gone, its schema's name stays)."""
    _missed.clear()


def round_below(number: int) -> int:
    """The largest round number (one significant digit) below ``number``: 736 → 700, 154 → 100."""
    if number <= 1:
        return 0
    scale = 10 ** (len(str(number - 1)) - 1)
    return (number - 1) // scale * scale
