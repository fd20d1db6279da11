"""Reads of the codifier."""

from __future__ import annotations

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
