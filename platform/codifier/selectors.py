"""Reads of the codifier."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from .models import Codifier, Topic, TopicMapping


def codifiers_list() -> QuerySet[Codifier]:
    """Every codifier with its subject, year and number of topics (one query)."""
    return Codifier.objects.select_related("subject", "academic_year").annotate(topic_count=Count("topics"))


def codifier_topics(codifier: Codifier) -> list[Topic]:
    """The codifier's topics in its own order, each with the later topics that continue it
    (``mapped_to``) and the earlier ones it continues (``mapped_from``): three queries."""
    mapping = TopicMapping.objects.select_related("old__codifier", "new__codifier")
    return list(
        codifier.topics.order_by("position").prefetch_related(
            Prefetch("mapped_to", queryset=mapping), Prefetch("mapped_from", queryset=mapping)
        )
    )


def topics_for_subject(subject_id: int) -> QuerySet[Topic]:
    """Topics of every codifier of a subject, newest year first, for pickers and filters."""
    return (
        Topic.objects.filter(codifier__subject_id=subject_id)
        .select_related("codifier", "codifier__academic_year")
        .order_by("-codifier__academic_year__starts_on", "codifier__exam", "position")
    )


def continued_by(topic_ids: list[int]) -> dict[int, list[int]]:
    """For year-over-year comparison: the later topics that continue each given topic."""
    result: dict[int, list[int]] = {topic_id: [] for topic_id in topic_ids}
    for old_id, new_id in TopicMapping.objects.filter(old_id__in=topic_ids).values_list("old_id", "new_id"):
        result[old_id].append(new_id)
    return result


def normalise_topic_text(text: str) -> str:
    text = " ".join(str(text).casefold().replace("ё", "е").split()).rstrip(".")
    for prefix in ("кэс ", "код ", "кэс: ", "kes "):
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def match_topics(texts: Iterable[str], candidates: Iterable[tuple[int, str, str, Any]]) -> list[int]:
    """The ids of the topics that free-text ``texts`` name, by code ("7.5.8", "КЭС 7.5.8") or by
    title (ignoring case, spaces and ё/е).  ``candidates``: (id, code, title, rank) rows; of
    several matches for one text only those of the highest rank (the newest year) count.
    A pure function, so a data migration can use it with historical models."""
    wanted = {normalise_topic_text(t) for t in texts if str(t).strip()}
    best: dict[str, tuple[Any, list[int]]] = {}
    for topic_id, code, title, rank in candidates:
        for key in {normalise_topic_text(code), normalise_topic_text(title)} & wanted:
            current = best.get(key)
            if current is None or rank > current[0]:
                best[key] = (rank, [topic_id])
            elif rank == current[0]:
                current[1].append(topic_id)
    return sorted({topic_id for _rank, ids in best.values() for topic_id in ids})


def topics_matching(texts: Iterable[str], subject_ids: Iterable[int]) -> list[int]:
    """Codifier topics of these subjects that the free-text topics name (see ``match_topics``)."""
    texts, subject_ids = list(texts), list(subject_ids)
    if not texts or not subject_ids:
        return []
    rows = Topic.objects.filter(codifier__subject_id__in=subject_ids).values_list(
        "pk", "code", "title", "codifier__academic_year__starts_on"
    )
    return match_topics(texts, rows)
