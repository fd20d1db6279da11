"""Reads of the case-material bank: one material, its versions, search, lists.

Every selector decides visibility through ``casebank.permissions`` for the
bank of the active schema.  A material the person may not see looks exactly
like a missing one (``MaterialNotFoundError``), so ids of other people's drafts
or of another school's materials reveal nothing.

Search (``materials_search``) is PostgreSQL full-text search with the
``russian`` configuration over a weighted, GIN-indexed ``search_vector``
(title A, topics and abstract B, text C).  When a query finds nothing, its
words are corrected to the nearest words of this bank's vocabulary (pg_trgm,
``SearchTerm``) and the search runs again; as a last resort titles are
compared by trigram word similarity.  Matches are highlighted with
``ts_headline``; everything except the highlight marks is HTML-escaped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, TextField, Value, Window
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants.models import Organisation

from . import permissions
from .errors import MaterialInvalidError, MaterialNotFoundError
from .models import Comment, Favourite, Material, MaterialVersion, Rating, SearchTerm, Status

SORTS = ("relevance", "newest", "rating")
MAX_PER_PAGE = 100
# Private-use characters: never in real text, so only ts_headline's marks become <mark>.
_START, _STOP = "\ue000", "\ue001"
_QUERY_WORD = re.compile(r"[^\W\d_]+")


def _with_people(queryset: QuerySet[Material]) -> QuerySet[Material]:
    return queryset.select_related("origin_organisation", "current_version").prefetch_related(
        Prefetch("authors", queryset=User.objects.order_by("last_name", "first_name")), "subjects"
    )


def material_get(*, material_id: int, user: Any) -> Material:
    """One material the person may see, with authors, subjects and the school of origin."""
    access = permissions.access_for(user)
    material = _with_people(Material.objects.filter(pk=material_id)).first()
    if material is None:
        raise MaterialNotFoundError(_("No such material."))
    material._author_ids = {a.pk for a in material.authors.all()}  # type: ignore[attr-defined]
    if not permissions.can_view_material(access, material):
        raise MaterialNotFoundError(_("No such material."))
    return material


def material_versions(*, material: Material, user: Any) -> list[MaterialVersion]:
    """The version history the person may see, newest first (readers: the published versions)."""
    access = permissions.access_for(user)
    if not permissions.can_view_material(access, material):
        raise MaterialNotFoundError(_("No such material."))
    versions = material.versions.select_related("created_by", "decided_by").order_by("-number")
    return [v for v in versions if permissions.can_view_version(access, material, v)]


def version_get(*, material: Material, number: int, user: Any) -> MaterialVersion:
    """One version (older ones stay readable) with its attachments."""
    access = permissions.access_for(user)
    version = (
        material.versions.select_related("created_by", "decided_by")
        .prefetch_related("attachments")
        .filter(number=number)
        .first()
    )
    if version is None or not permissions.can_view_version(access, material, version):
        raise MaterialNotFoundError(_("No such version."))
    return version


def pending_version(*, material: Material) -> MaterialVersion | None:
    return material.versions.filter(status=Status.SUBMITTED).first()


def materials_authored(*, user: Any) -> QuerySet[Material]:
    """The person's own materials in this bank, any status, most recently changed first."""
    access = permissions.access_for(user)
    if not access.can_read or access.user_id is None:
        return Material.objects.none()
    return _with_people(Material.objects.filter(authors=access.user_id)).order_by("-updated_at", "-pk")


def moderation_queue(*, user: Any) -> QuerySet[MaterialVersion]:
    """Versions awaiting moderation, oldest submission first: for the centre's methodologists."""
    access = permissions.access_for(user)
    permissions.require(
        permissions.can_moderate(access), _("Only the centre's methodologists moderate the district bank.")
    )
    return (
        MaterialVersion.objects.filter(status=Status.SUBMITTED)
        .select_related("material__origin_organisation", "created_by")
        .order_by("submitted_at", "pk")
    )


def favourites_of(*, user: Any) -> QuerySet[Material]:
    access = permissions.access_for(user)
    if not access.can_read or access.user_id is None:
        return Material.objects.none()
    return _with_people(
        Material.objects.filter(status=Status.PUBLISHED, favourites__user_id=access.user_id)
    ).order_by("-favourites__created_at")


def is_favourite(*, material: Material, user: Any) -> bool:
    return Favourite.objects.filter(material=material, user_id=getattr(user, "pk", 0) or 0).exists()


def rating_of(*, material: Material, user: Any) -> int | None:
    return (
        Rating.objects.filter(material=material, user_id=getattr(user, "pk", 0) or 0)
        .values_list("score", flat=True)
        .first()
    )


def comments_of(*, material: Material, user: Any) -> QuerySet[Comment]:
    access = permissions.access_for(user)
    if not permissions.can_view_material(access, material):
        raise MaterialNotFoundError(_("No such material."))
    return material.comments.select_related("author")


def materials_similar(*, material: Material, user: Any, limit: int = 6) -> list[Material]:
    """ "More like this": published materials sharing a topic or a subject; both first, then by rating."""
    access = permissions.access_for(user)
    subject_ids = list(material.subjects.values_list("pk", flat=True))
    if not access.can_read or not (material.topics or subject_ids):
        return []
    through = Material.subjects.through
    shares_subject = Exists(through.objects.filter(material_id=OuterRef("pk"), subject_id__in=subject_ids))
    shares_topic = Q(topics__overlap=material.topics) if material.topics else Q(pk__in=[])
    queryset = (
        Material.objects.filter(status=Status.PUBLISHED)
        .exclude(pk=material.pk)
        .alias(same_subject=shares_subject)
        .filter(shares_topic | Q(same_subject=True))
        .annotate(both=Q(same_subject=True) & shares_topic)
        .order_by(F("both").desc(), "-rating_average", "-published_at", "-pk")
    )
    return list(_with_people(queryset)[:limit])


# --- search -----------------------------------------------------------------------------------


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

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
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
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
    query = (query or "").strip()[:200]

    base = Material.objects.filter(status=Status.PUBLISHED)
    filters: dict[str, Any] = {}
    if subject:
        filters["subject"] = subject
        base = base.filter(subjects=subject)
    if grade:
        filters["grade"] = grade
        base = base.filter(grades__contains=[int(grade)])
    if kind:
        filters["kind"] = kind
        base = base.filter(kind=kind)
    if topic:
        filters["topic"] = topic.strip().lower()
        base = base.filter(topics__contains=[topic.strip().lower()])
    if origin:
        origin_id = origin.pk if isinstance(origin, Organisation) else int(origin)
        filters["origin"] = origin_id
        base = base.filter(origin_organisation_id=origin_id)
    if licence:
        filters["licence"] = licence
        base = base.filter(licence=licence)

    result = SearchPage(hits=[], total=0, page=page, per_page=per_page, query=query, filters=filters)
    if not query:
        ordered = base.order_by(*_order(sort, ranked=False))
        result.total = ordered.count()
        materials = list(_with_people(ordered)[(page - 1) * per_page : page * per_page])
        result.hits = [
            SearchHit(m, None, escape(m.title), escape(_shorten(m.abstract or m.body_text)))
            for m in materials
        ]
        return result

    search_query = SearchQuery(query, search_type="websearch", config="russian")
    offset = (page - 1) * per_page

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

    page_rows, result.total = ranked_page(
        base.filter(search_vector=search_query), SearchRank(F("search_vector"), search_query)
    )
    if result.total == 0:
        corrected = _corrected(query)
        if corrected != query:
            search_query = SearchQuery(corrected, search_type="websearch", config="russian")
            page_rows, result.total = ranked_page(
                base.filter(search_vector=search_query), SearchRank(F("search_vector"), search_query)
            )
            if result.total:
                result.corrected_query = corrected
    if result.total == 0:
        page_rows, result.total = ranked_page(
            base.filter(title__trigram_word_similar=query), TrigramWordSimilarity(query, "title")
        )
        result.fuzzy = True
    if not page_rows:
        return result
    ranks = dict(page_rows)
    # Headlines only for the page's rows: ts_headline is the expensive part.
    highlight: dict[str, Any] = {"config": "russian", "start_sel": _START, "stop_sel": _STOP}
    annotated = _with_people(Material.objects.filter(pk__in=ranks)).annotate(
        title_headline=SearchHeadline("title", search_query, highlight_all=True, **highlight),
        snippet_headline=SearchHeadline(
            Concat("abstract", Value(" "), "body_text", output_field=TextField()),
            search_query, max_words=35, min_words=15, max_fragments=2, fragment_delimiter=" … ",
            **highlight,
        ),
    )  # fmt: skip
    by_pk: dict[int, Any] = {m.pk: m for m in annotated}
    result.hits = [
        SearchHit(
            material=by_pk[pk],
            rank=float(ranks[pk] or 0),
            title_html=_highlighted(by_pk[pk].title_headline)
            if not result.fuzzy
            else escape(by_pk[pk].title),
            snippet_html=_highlighted(by_pk[pk].snippet_headline)
            if not result.fuzzy
            else escape(_shorten(by_pk[pk].abstract or by_pk[pk].body_text)),
        )
        for pk, _rank in page_rows
        if pk in by_pk
    ]
    return result


def _order(sort: str, *, ranked: bool) -> list[Any]:
    if sort == "rating":
        return ["-rating_average", "-rating_count", "-published_at", "-pk"]
    if sort == "relevance" and ranked:
        return ["-rank", "-published_at", "-pk"]
    return ["-published_at", "-pk"]


def _shorten(text: str, length: int = 300) -> str:
    text = text or ""
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


# --- across schemas -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictCopy:
    """Where a school material stands in the district bank (read from the centre's schema)."""

    material_id: int
    status: str
    latest_version: int
    latest_status: str
    moderator_comment: str
    published_version: int | None


def district_copy_of(*, material: Material, user: Any) -> DistrictCopy | None:
    """For a school material's authors: the state of its copy in the district bank, or None."""
    access = permissions.access_for(user)
    if not permissions.can_edit(access, material):
        return None
    # Re-read: the caller's instance may predate the submission.
    copy_id = Material.objects.filter(pk=material.pk).values_list("district_copy_id", flat=True).first()
    centre = access.organisation.centre
    if centre is None or not copy_id:
        return None
    with tenant_context(centre):
        copy = Material.objects.select_related("current_version").filter(pk=copy_id).first()
        if copy is None:
            return None
        latest = copy.versions.order_by("-number").first()
        assert latest is not None
        return DistrictCopy(
            material_id=copy.pk,
            status=copy.status,
            latest_version=latest.number,
            latest_status=latest.status,
            moderator_comment=latest.moderator_comment,
            published_version=copy.current_version.number if copy.current_version else None,
        )
