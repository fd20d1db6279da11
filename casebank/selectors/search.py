"""Search of the case-material bank.

Search (``materials_search``) is PostgreSQL full-text search with the
``russian`` configuration: a material matches on its weighted, GIN-indexed
``search_vector`` (title A, topics and abstract B, text C) and is ranked on
the compact ``rank_vector`` stored in its row (title A, topics and abstract
B), so that ranking thousands of matches reads no TOAST; the page, its
highlights, authors and subjects and the total come from one statement
(``_full_text_page``, measured by bench/casebank_search.py); in a large bank it looks for the
page among the newest (best rated) materials first and ranks every match only when it must
(``page_window``: exact either way).  When a query finds nothing, its
words are corrected to the nearest words of this bank's vocabulary (pg_trgm,
``SearchTerm``) and the search runs again; as a last resort titles are
compared by trigram word similarity.  Matches are highlighted with
``ts_headline``; everything except the highlight marks is HTML-escaped.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, F, Field, Model, OuterRef, QuerySet, Window
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from tenants.models import Organisation, Subject

from .. import permissions
from ..errors import MaterialInvalidError
from ..models import Material, SearchTerm, Status
from .materials import _SNIPPET_SOURCE, _brief
from .search_candidates import MARGIN, bound_vector, query_lexemes, repeating
from .search_plan import (
    RANK_CEILING,
    exact_total_up_to,
    first_look_missed,
    first_look_remember,
    page_window,
    round_below,
    run_with_planner_settings,
)

SORTS = ("relevance", "newest", "rating")
MAX_PER_PAGE = 100
# Pages beyond this are clamped to it (the API refuses them): an offset PostgreSQL can still take.
MAX_PAGE = 10_000
# Private-use characters: never in real text, so only ts_headline's marks become <mark>.
_START, _STOP = "\ue000", "\ue001"
_QUERY_WORD = re.compile(r"[^\W\d_]+")
# ts_headline parses its whole document: it gets the abstract and this much of the text
# (each 100 characters cost about 0.2 ms per page of 20; bench/README.md, case-bank search).
_HEADLINE_SOURCE = 200
# What a result shows (the API's brief material, the card): not the text nor the vectors.
_PAGE_COLUMNS = (
    "id", "title", "kind", "licence", "status", "grades", "topics", "abstract", "published_at",
    "updated_at", "rating_average", "rating_count", "download_count", "origin_organisation_id",
)  # fmt: skip


@dataclass
class SearchHit:
    material: Material
    rank: float | None
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class SearchPage:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    query: str
    # The query after typo correction, when the search ran with it.
    corrected_query: str | None = None
    # Whether the results come from the trigram fallback (no full-text match at all).
    fuzzy: bool = False
    filters: dict[str, Any] = field(default_factory=dict)
    # ``total`` is a lower bound: there are more matches than that («более 1 000»).
    total_is_lower_bound: bool = False
    # How the page was found: ``candidates`` (by relevance, among the matches that repeat a query
    # word, ``search_candidates``), ``window`` (among the newest or best rated materials,
    # ``page_window``) or ``all`` (every match ranked); empty without a full-text query.
    plan: str = ""

    @property
    def num_pages(self) -> int:
        return min(MAX_PAGE, max(1, math.ceil(self.total / self.per_page)))

    @property
    def has_next(self) -> bool:
        if self.total_is_lower_bound:
            return len(self.hits) == self.per_page and self.page < MAX_PAGE
        return self.page < self.num_pages


def _highlighted(value: str | None) -> SafeString:
    """ts_headline output escaped, with only its marks turned into <mark> elements."""
    text = escape(value or "")
    return mark_safe(text.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308 (escaped above)


def _corrected(query: str) -> str:
    """``query`` with each unknown word replaced by the most similar word of this bank's vocabulary."""
    words = {w.lower() for w in _QUERY_WORD.findall(query) if len(w) >= 4}
    known = set(SearchTerm.objects.filter(word__in=words).values_list("word", flat=True))
    replacements: dict[str, str] = {}
    for word in words - known:
        best = (
            SearchTerm.objects.filter(word__trigram_similar=word)
            .annotate(similarity=TrigramSimilarity("word", word))
            .order_by("-similarity", "word")
            .values_list("word", flat=True)
            .first()
        )
        if best:
            replacements[word] = best
    if not replacements:
        return query
    return _QUERY_WORD.sub(lambda m: replacements.get(m.group(0).lower(), m.group(0)), query)


def materials_search(
    *,
    user: Any,
    query: str = "",
    subject: int | None = None,
    grade: int | None = None,
    kind: str | None = None,
    topic: str | None = None,
    origin: int | Organisation | None = None,
    licence: str | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Search the published materials of this bank; filters combine with AND; ``page`` counts from 1.

    ``sort``: ``relevance`` (full-text rank; newest when there is no query),
    ``newest`` or ``rating``.  ``origin`` is the school of origin (district bank).
    """
    access = permissions.access_for(user)
    permissions.require(access.can_read, _("You have no access to this bank."))
    if sort not in SORTS:
        raise MaterialInvalidError(
            _("Unknown sort order “%(sort)s”. Possible: %(sorts)s.")
            % {"sort": sort, "sorts": ", ".join(SORTS)},
            field="sort",
        )
    page = min(max(1, int(page)), MAX_PAGE)
    per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
    query = (query or "").strip()[:200]

    # ``in_row``: the filters on the material's own columns; ``base`` adds the subject (a join table).
    in_row = Material.objects.filter(status=Status.PUBLISHED)
    filters: dict[str, Any] = {}
    if grade:
        filters["grade"] = grade
        in_row = in_row.filter(grades__contains=[int(grade)])
    if kind:
        filters["kind"] = kind
        in_row = in_row.filter(kind=kind)
    if topic:
        filters["topic"] = topic.strip().lower()
        in_row = in_row.filter(topics__contains=[topic.strip().lower()])
    if origin:
        origin_id = origin.pk if isinstance(origin, Organisation) else int(origin)
        filters["origin"] = origin_id
        in_row = in_row.filter(origin_organisation_id=origin_id)
    if licence:
        filters["licence"] = licence
        in_row = in_row.filter(licence=licence)
    base = in_row
    if subject:
        filters["subject"] = subject = int(subject)
        # EXISTS rather than a join: one row per material.
        through = Material.subjects.through
        base = base.filter(Exists(through.objects.filter(material_id=OuterRef("pk"), subject_id=subject)))

    result = SearchPage(hits=[], total=0, page=page, per_page=per_page, query=query, filters=filters)
    offset = (page - 1) * per_page
    exact_up_to = exact_total_up_to()
    if not query:
        ordered = base.order_by(*_order(sort, ranked=False))
        result.total = _bounded_count(ordered, exact_up_to)
        result.total_is_lower_bound = result.total > exact_up_to
        result.total = min(result.total, exact_up_to)
        materials = list(_brief(ordered)[offset : offset + per_page])
        result.hits = [
            SearchHit(m, None, escape(m.title), escape(_shorten(m.abstract or getattr(m, "text_start", ""))))
            for m in materials
        ]
        return result

    def ranked_page(queryset: QuerySet[Material], rank: Any) -> tuple[list[tuple[int, Any]], int]:
        ordered = queryset.annotate(rank=rank).order_by(*_order(sort, ranked=True))
        if sort != "relevance":
            # Newest/best first: PostgreSQL may walk an ordered index and stop after the page,
            # so the count is a separate (GIN bitmap) query.
            total = queryset.count()
            return list(ordered.values_list("pk", "rank")[offset : offset + per_page]), total
        # By relevance every match is ranked anyway: the total comes with the page
        # (count(*) over ()), one scan of the matches instead of two (bench/casebank_search.py).
        rows = list(
            ordered.annotate(full_count=Window(Count("*"))).values_list("pk", "rank", "full_count")[
                offset : offset + per_page
            ]
        )
        if rows:
            return [(pk, r) for pk, r, _total in rows], rows[0][2]
        return [], queryset.count() if offset else 0

    def full_text(text: str) -> int:
        """The page of ``text``'s matches in ``result``; returns the number of matches, or its
        lower bound (``result.total_is_lower_bound``) when the page did not need them all."""
        # By relevance, a query of ANDed words is pruned (``search_candidates``); otherwise the
        # window is tried in a large bank.  ts_rank reaches its ceiling only for several words
        # (one word's stays below 0.998): the window could never hold such a page for one word.
        needed = offset + per_page
        lexemes = query_lexemes(text) if sort == "relevance" else None
        several = len({w.lower() for w in _QUERY_WORD.findall(text) if len(w) > 2}) > 1
        window = None
        # Three words or more: only materials at ts_rank's ceiling rank above the candidates'
        # bound (0.9999988), as in the window; in a large bank the window is the smaller look.
        if (not lexemes or len(lexemes) > 2) and (several or sort != "relevance"):
            window = page_window(sort, needed)
        if window:
            lexemes = None
        key = (text, sort, needed, tuple(sorted(filters.items())))
        if (window or lexemes) and first_look_missed(key):
            window = lexemes = None
        hits, counted, result.plan = _full_text_page(
            in_row, text, subject=subject, sort=sort, offset=offset, limit=per_page, window=window,
            lexemes=lexemes,
        )  # fmt: skip
        if window or lexemes:
            first_look_remember(key, missed=result.plan == "all")
        result.hits = hits
        if result.plan == "window":  # ``counted`` matches in the window: «more than» a round number below
            result.total_is_lower_bound = True
            return exact_up_to if counted > exact_up_to else round_below(counted)
        if result.plan == "candidates":  # the matches counted up to ``exact_up_to + 1``
            result.total_is_lower_bound = counted > exact_up_to
            return min(counted, exact_up_to)
        return counted

    result.total = full_text(query)
    if result.total == 0:
        corrected = _corrected(query)
        if corrected != query:
            result.total = full_text(corrected)
            if result.total:
                result.corrected_query = corrected
    if result.total:
        return result
    # No full-text match at all: materials with a similar title (pg_trgm), not highlighted.
    page_rows, result.total = ranked_page(
        base.filter(title__trigram_word_similar=query), TrigramWordSimilarity(query, "title")
    )
    result.fuzzy = True
    ranks = dict(page_rows)
    by_pk: dict[int, Any] = {m.pk: m for m in _brief(Material.objects.filter(pk__in=ranks))}
    result.hits = [
        SearchHit(
            material=by_pk[pk],
            rank=float(rank or 0),
            title_html=escape(by_pk[pk].title),
            snippet_html=escape(_shorten(by_pk[pk].abstract or getattr(by_pk[pk], "text_start", ""))),
        )
        for pk, rank in page_rows
        if pk in by_pk
    ]
    return result


# --- how a page of matches is found ----------------------------------------------------------------


def _bounded_count(queryset: QuerySet[Material], up_to: int) -> int:
    """``min(count, up_to + 1)``: stops reading after ``up_to + 1`` matches."""
    return queryset.order_by().values("pk")[: up_to + 1].count()


def _columns(model: type[Model], attnames: Iterable[str]) -> list[Field]:
    """``model``'s fields named ``attnames``, in the order ``Model.from_db`` expects them."""
    wanted = set(attnames)
    return [f for f in model._meta.concrete_fields if f.attname in wanted]


def _column_list(alias: str, fields: list[Field]) -> str:
    return ", ".join(f"{alias}.{connection.ops.quote_name(f.column or f.attname)}" for f in fields)


def _prefetched(instance: Model, name: str, model: type[Model], objects: list[Any]) -> None:
    """Fill ``instance.<name>.all()`` with ``objects``, as ``prefetch_related`` would."""
    queryset: QuerySet[Any] = QuerySet(model=model)
    queryset._result_cache = objects
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


@functools.cache
def _headline_options() -> tuple[str, str]:
    """The ts_headline options of a result's title and snippet, written as Django's SearchHeadline
    writes them (the same for every query)."""
    title = SearchHeadline("title", "", start_sel=_START, stop_sel=_STOP, highlight_all=True)
    snippet = SearchHeadline("abstract", "", start_sel=_START, stop_sel=_STOP, max_words=35, min_words=15,
                             max_fragments=2, fragment_delimiter=" … ")  # fmt: skip

    def written(headline: SearchHeadline) -> str:
        options: dict[str, Any] = headline.options  # type: ignore[attr-defined]
        compose = connection.ops.compose_sql  # type: ignore[attr-defined]
        return ", ".join(compose(f"{k}=%s", [v]) for k, v in options.items())

    return written(title), written(snippet)


def _json(value: Any) -> list[Any]:
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str | bytes) else value


def _full_text_page(
    in_row: QuerySet[Material],
    text: str,
    *,
    subject: int | None,
    sort: str,
    offset: int,
    limit: int,
    window: tuple[str, Any] | None,
    lexemes: tuple[str, ...] | None,
) -> tuple[list[SearchHit], int, str]:
    """One page of full-text matches in ``sort`` order, highlighted; the number of matches; and
    how the page was found (``SearchPage.plan``): ``all``; ``window`` (the number is that of the
    window's matches: a lower bound, counting the others would read them all); ``candidates``
    (the number is counted up to ``exact_total_up_to() + 1``).

    ONE statement:

    * the GIN index on the full ``search_vector`` finds the matches; the compact inline
      ``rank_vector`` ranks them (title A, topics and abstract B; a match in the text only
      ranks 0 and comes after the others, newest first);
    * with ``lexemes`` (by relevance, ``search_candidates``), the matches that repeat a query word
      come first (a BitmapAnd of the two GIN indexes): if enough of them rank above what any
      other match can, only they are ranked; otherwise every match is, in the same statement;
    * with a ``window`` (``page_window``), the matches in it come first (a BitmapAnd of the GIN
      index and the publication or rating index): if they hold the page for certain, only they
      are ranked; otherwise (a one-time filter) every match is, in the same statement;
    * the matches are MATERIALIZED CTEs and the subject is checked on them afterwards:
      otherwise PostgreSQL may walk the newest/best-rated index, or the subject's materials, and
      test the query on every row it meets, reading each row's whole vector out of TOAST
      (bench/README.md, case-bank search);
    * only the page's rows are then read: what a result shows (no text, no vectors), the
      highlights (``ts_headline`` on the title, and on the abstract and the start of the text),
      the authors, subjects and school of origin (as JSON, instead of three more queries).
    """
    search = SearchQuery(text, search_type="websearch", config="russian")
    # Only the relevance order needs every match ranked; newest first and best rated rank the
    # page's rows alone (below).
    ranked = sort == "relevance"
    columns = ("pk", "published_at", "rating_average", "rating_count", *(("rank",) if ranked else ()))
    matches = in_row.filter(search_vector=search).order_by()
    if ranked:
        matches = matches.annotate(rank=SearchRank(F("rank_vector"), search))
    # Django's own compilation of the filtered queryset, each column aliased by its name.
    try:
        sql, params = matches.values_list(*columns).query.sql_with_params()
        if window:
            column, threshold = window
            in_window = matches.filter(**{f"{column}__gte": threshold}).values_list(*columns)
            window_sql, window_params = in_window.query.sql_with_params()
        if lexemes:
            candidates = matches.filter(repeating(lexemes)).values_list(*columns)
            candidates_sql, candidates_params = candidates.query.sql_with_params()
            counted = in_row.filter(search_vector=search).order_by().values_list("pk")
            count_sql, count_params = counted.query.sql_with_params()
    except EmptyResultSet:  # a filter no row can meet (an id beyond the column's range)
        return [], 0, "all"
    keys = {
        "rating": ("rating_average", "rating_count", "published_at", "pk"),
        "newest": ("published_at", "pk"),
    }.get(sort, ("rank", "published_at", "pk"))
    order = ", ".join(f"{k} DESC" for k in keys)
    listed = ", ".join(columns)
    quote = connection.ops.quote_name
    subjects_table = quote(Material.subjects.through._meta.db_table)

    def checked(alias: str, *, probe: bool = False) -> tuple[str, list[Any]]:
        """The subject's condition on the matches named ``alias`` (true without a subject);
        ``probe``: one index lookup per match (a sub-plan PostgreSQL cannot turn into a join
        that reads all the subject's materials: the window's few thousand are cheaper looked up)."""
        if not subject:
            return "true", []
        lookup = f"SELECT 1 FROM {subjects_table} s WHERE s.material_id = {alias}.pk AND s.subject_id = %s"  # noqa: S608
        if probe:
            return f"({lookup} LIMIT 1) IS NOT NULL", [subject]  # noqa: S608
        return f"EXISTS ({lookup})", [subject]  # noqa: S608

    if lexemes or window:
        # A first look (``look``) is read, then every match only if it did not hold the page.
        in_all, in_all_args = checked("every_match")
        if lexemes:
            in_cand, in_cand_args = checked("cand", probe=True)
            in_count, in_count_args = checked("counted", probe=True)
            look = f"SELECT * FROM ({candidates_sql}) cand WHERE {in_cand}"  # noqa: S608
            look_args = [*candidates_params, *in_cand_args]
            sure = (
                "SELECT count(*) FILTER (WHERE rank > ts_rank(%s::tsvector,"
                " websearch_to_tsquery('russian'::regconfig, %s)) + %s) >= %s AS held FROM look"
            )
            sure_args = [bound_vector(lexemes), text, MARGIN, offset + limit]
            held_total = (
                f"(SELECT count(*) FROM (SELECT 1 FROM ({count_sql}) counted WHERE {in_count} LIMIT %s) n)"  # noqa: S608
            )
            held_total_args = [*count_params, *in_count_args, exact_total_up_to() + 1]
            plan = "candidates"
        else:
            in_win, in_win_args = checked("win", probe=True)
            look = f"SELECT * FROM ({window_sql}) win WHERE {in_win}"  # noqa: S608
            look_args = [*window_params, *in_win_args]
            good = f"rank >= {RANK_CEILING}::real" if ranked else "true"
            sure = f"SELECT count(*) AS n, count(*) FILTER (WHERE {good}) >= %s AS held FROM look"  # noqa: S608
            sure_args, held_total, held_total_args = [offset + limit], "(SELECT n FROM sure)", []
            plan = "window"
        head = f"""
            WITH look AS MATERIALIZED ({look}),
            sure AS ({sure}),
            matches AS MATERIALIZED (
                SELECT * FROM ({sql}) every_match WHERE NOT (SELECT held FROM sure) AND {in_all}
            ),
            chosen AS (
                SELECT * FROM look WHERE (SELECT held FROM sure) UNION ALL SELECT * FROM matches
            ),
            page AS (
                SELECT {listed},
                    CASE WHEN (SELECT held FROM sure) THEN {held_total}
                        ELSE (SELECT count(*) FROM matches) END AS total,
                    CASE WHEN (SELECT held FROM sure) THEN '{plan}' ELSE 'all' END AS plan
                FROM chosen ORDER BY {order} LIMIT %s OFFSET %s
            )"""  # noqa: S608 (names are the models' own; every value is a parameter)
        head_args = [*look_args, *sure_args, *params, *in_all_args, *held_total_args, limit, offset]
    else:
        # The subject is checked once, on the materialised matches: the count and the page read
        # the same kept rows.
        where, where_args = checked("every_match")
        head = f"""
            WITH matches AS MATERIALIZED (SELECT * FROM ({sql}) every_match WHERE {where}),
            page AS (
                SELECT {listed}, (SELECT count(*) FROM matches) AS total, 'all' AS plan
                FROM matches ORDER BY {order} LIMIT %s OFFSET %s
            )"""  # noqa: S608 (names are the models' own; every value is a parameter)
        head_args = [*params, *where_args, limit, offset]
    fields = _columns(Material, _PAGE_COLUMNS)
    people = _columns(User, ("id", "last_name", "first_name", "patronymic", "email"))
    subject_fields = _columns(Subject, ("id", "name"))
    origin_fields = _columns(Organisation, ("id", "name", "short_name"))

    title_options, snippet_options = _headline_options()
    authors_table = quote(Material.authors.through._meta.db_table)
    statement = f"""{head}
        SELECT ts_rank(m.rank_vector, q.query), page.total, page.plan, {_column_list("m", fields)},
            left(m.body_text, %s),
            ts_headline('russian'::regconfig, m.title, q.query, %s),
            ts_headline('russian'::regconfig, concat(m.abstract, ' ', left(m.body_text, %s)), q.query, %s),
            (SELECT json_agg(json_build_array({_column_list("u", people)})
                             ORDER BY u.last_name, u.first_name, u.id)
             FROM {quote(User._meta.db_table)} u
             WHERE u.id = ANY(ARRAY(SELECT a.user_id FROM {authors_table} a WHERE a.material_id = m.id))),
            (SELECT json_agg(json_build_array({_column_list("t", subject_fields)})
                             ORDER BY t.name, t.id)
             FROM {subjects_table} ms JOIN {quote(Subject._meta.db_table)} t ON t.id = ms.subject_id
             WHERE ms.material_id = m.id),
            {_column_list("o", origin_fields)}
        FROM page
        JOIN {quote(Material._meta.db_table)} m ON m.id = page.pk
        LEFT JOIN {quote(Organisation._meta.db_table)} o ON o.id = m.origin_organisation_id
        CROSS JOIN websearch_to_tsquery('russian'::regconfig, %s) AS q(query)
        ORDER BY {", ".join(f"page.{k} DESC" for k in keys)}
    """  # noqa: S608 (names are the models' own; every value is a parameter)
    args = [
        *head_args, _SNIPPET_SOURCE, title_options, _HEADLINE_SOURCE, snippet_options, text,
    ]  # fmt: skip
    rows = run_with_planner_settings(statement, args, window=window is not None)
    if not rows:  # no match, or a page beyond the last (never the window's: it holds the page)
        if not offset:
            return [], 0, "all"
        where, where_args = checked("every_match")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ({sql}) every_match WHERE {where}",  # noqa: S608
                [*params, *where_args],
            )
            return [], cursor.fetchone()[0], "all"
    db = in_row.db
    names = [f.attname for f in fields]
    people_names = [f.attname for f in people]
    subject_names = [f.attname for f in subject_fields]
    origin_names = [f.attname for f in origin_fields]
    # One object per person, subject and school on the page (they repeat from row to row).
    made: dict[tuple[type[Model], tuple[Any, ...]], Any] = {}

    def one(model: type[Model], attnames: list[str], values: Any) -> Any:
        key = (model, tuple(values))
        if key not in made:
            made[key] = model.from_db(db, attnames, values)
        return made[key]

    hits = []
    n = len(fields)
    for row in rows:
        rank, values = row[0], row[3 : 3 + n]
        text_start, title_headline, snippet_headline, authors, subjects, *origin = row[3 + n :]
        material = Material.from_db(db, names, values)
        material.text_start = text_start  # type: ignore[attr-defined]
        if origin[0] is not None:
            material.origin_organisation = one(Organisation, origin_names, origin)
        _prefetched(material, "authors", User, [one(User, people_names, a) for a in _json(authors)])
        _prefetched(material, "subjects", Subject, [one(Subject, subject_names, s) for s in _json(subjects)])
        hits.append(
            SearchHit(
                material=material,
                rank=float(rank or 0),
                title_html=_highlighted(title_headline),
                snippet_html=_highlighted(snippet_headline),
            )
        )
    return hits, rows[0][1], rows[0][2]


def _order(sort: str, *, ranked: bool) -> list[Any]:
    if sort == "rating":
        return ["-rating_average", "-rating_count", "-published_at", "-pk"]
    if sort == "relevance" and ranked:
        return ["-rank", "-published_at", "-pk"]
    return ["-published_at", "-pk"]


def _shorten(text: str, length: int = 300) -> str:
    text = text or ""
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"
