"""The search's full order, by its definition in SQL: what every faster plan is pinned against."""

from __future__ import annotations

from django.db import connection

ORDERS = {
    "relevance": "ts_rank(rank_vector, q) DESC, published_at DESC, id DESC",
    "newest": "published_at DESC, id DESC",
    "rating": "rating_average DESC, rating_count DESC, published_at DESC, id DESC",
}


def exact_ids(
    query: str, *, sort: str = "relevance", limit: int, offset: int = 0, subject: int | None = None
) -> list[int]:
    """A page of the full order: every published match of ``query`` (of ``subject``), sorted."""
    subject_sql = (
        " AND EXISTS (SELECT 1 FROM casebank_material_subjects s"
        " WHERE s.material_id = casebank_material.id AND s.subject_id = %s)"
        if subject
        else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM casebank_material, websearch_to_tsquery('russian'::regconfig, %s) q"  # noqa: S608
            f" WHERE status = 'published' AND search_vector @@ q{subject_sql}"
            f" ORDER BY {ORDERS[sort]} LIMIT %s OFFSET %s",
            [query, *([subject] if subject else []), limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]
