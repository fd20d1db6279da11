"""Ranking by relevance without ranking every match, exactly (``casebank.selectors.search``).

``ts_rank`` (default weights, normalisation 0) of a query whose words are all ANDed — the
usual search, «рабочая программа» — grows with how often and how close together the words
stand in the ranking vector (title A, topics and abstract B).  A match that has each query
word AT MOST ONCE there ranks at most what the words would get once each, side by side, all
in the title: ``bound``, computed by ``ts_rank`` itself on that vector (0.6079 for one word,
0.9910 for two, 0.9999988 for three).  Proof sketch:

* one word: ``calc_rank_or`` gives ``w / 1.6449`` for a single position of weight ``w``;
  ``w <= 1.0`` (A);
* several: ``calc_rank_and`` takes ``1 - prod(1 - sqrt(w_i * w_k * word_distance(d)))`` over
  the pairs of the words' positions, walking the pairs in the query's order.  With one
  position per word there is one pair per two words; each weight is at most 1.0, and the
  distances of sorted distinct positions are at least those of consecutive ones, where
  ``word_distance`` is largest.  Equal positions add nothing.  So each factor is at most the
  bound's, in the same order of operations.

The matches that repeat a query word are found by a GIN index on
``casebank_repeated_lexemes(rank_vector)`` (migration 0004): usually a few per cent of the
matches.  They are ranked exactly; when at least ``offset + limit`` of them rank above the
bound (plus a margin of a few single-precision steps), the page is theirs: every other match
ranks lower.  Otherwise every match is ranked, in the same statement.  Queries with OR,
NOT or phrases («мастер-класс» is a phrase of three words) are always ranked in full.
"""

from __future__ import annotations

import functools
import re

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

# Above the bound by this much (ts_rank is single precision: a step near 1.0 is 6e-8), so that
# a different order of rounding can never put a match outside the candidates above the page.
MARGIN = 1e-6
_LEXEME = r"'((?:[^']|'')+)'"
_ALL_ANDED = re.compile(rf"{_LEXEME}(?: & {_LEXEME})*")


@functools.lru_cache(maxsize=4096)
def query_lexemes(text: str) -> tuple[str, ...] | None:
    """The distinct words of ``text`` as PostgreSQL's ``websearch_to_tsquery`` ('russian')
    makes them, when they are all ANDed (or it is one word); None for OR, NOT, phrases or
    no word at all.  The same for every bank (one configuration), so kept per process."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT websearch_to_tsquery('russian'::regconfig, %s)::text", [text])
        rendered = cursor.fetchone()[0]
    if not _ALL_ANDED.fullmatch(rendered):
        return None
    return tuple(dict.fromkeys(word.replace("''", "'") for word in re.findall(_LEXEME, rendered)))


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def repeating(lexemes: tuple[str, ...]) -> RawSQL:
    """The condition "repeats one of ``lexemes`` in its ranking vector" (the GIN index's own
    expression, so PostgreSQL ANDs the index with the full-text one)."""
    words = " | ".join(_quoted(lexeme) for lexeme in lexemes)
    return RawSQL(
        "casebank_repeated_lexemes(rank_vector) @@ %s::tsquery", [words], output_field=BooleanField()
    )


def bound_vector(lexemes: tuple[str, ...]) -> str:
    """The ranking vector of the best a match with each word once can do: all side by side in
    the title (``ts_rank`` of it with the query is the bound)."""
    return " ".join(f"{_quoted(lexeme)}:{n}A" for n, lexeme in enumerate(lexemes, start=1))
