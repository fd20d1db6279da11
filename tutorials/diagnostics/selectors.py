"""Reads of the question bank, including the ones campaigns use.

``versions_by_id`` and ``items_for_blueprint`` are the contract with the campaigns
sub-app: a campaign stores version ids, and a blueprint draws N items per topic with
a fixed seed, so the same seed always draws the same versions.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from codifier.models import Topic, code_sort_key
from tenants.models import Subject

from .errors import BlueprintShortError
from .models import Item, ItemVersion


def versions_by_id(ids: Iterable[int]) -> dict[int, ItemVersion]:
    """The versions with their item and topics (3 queries whatever their number)."""
    versions = (
        ItemVersion.objects.filter(pk__in=set(ids))
        .select_related("item")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("position")))
    )
    return {version.pk: version for version in versions}


def drawable_versions(subject: Subject | int) -> QuerySet[ItemVersion]:
    """Current versions of the subject's items that are not archived."""
    subject_id = subject.pk if isinstance(subject, Subject) else subject
    return ItemVersion.objects.filter(
        item__subject_id=subject_id, item__archived=False, item__current_version=F("pk")
    )


def topic_item_counts(subject: Subject | int, topic_ids: Iterable[int]) -> dict[int, int]:
    """How many drawable items each topic has (for a blueprint form: "7.5 — 4 items")."""
    ids = list(set(topic_ids))
    rows = (
        drawable_versions(subject)
        .filter(topics__in=ids)
        .values("topics")
        .annotate(n=Count("pk", distinct=True))
    )
    counts = {topic_id: 0 for topic_id in ids}
    counts.update({row["topics"]: row["n"] for row in rows})
    return counts


def items_for_blueprint(
    *, subject: Subject | int, topic_ids: Sequence[int], per_topic: int, seed: int | str
) -> list[ItemVersion]:
    """``per_topic`` distinct items per topic, drawn with ``random.Random(seed)``.

    Topics are taken in codifier order; an item tagged with several topics is drawn
    at most once (for the first topic that draws it).  The same seed and the same
    bank give the same versions in the same order.  Raises :class:`BlueprintShortError`
    naming the topics that have too few items.
    """
    if per_topic < 1:
        raise BlueprintShortError(_("Draw at least one item per topic."), field="per_topic")
    topics = sorted(
        Topic.objects.filter(pk__in=set(topic_ids)), key=lambda t: (t.codifier_id, code_sort_key(t.code))
    )
    pool: dict[int, list[int]] = {topic.pk: [] for topic in topics}
    rows = drawable_versions(subject).filter(topics__in=pool).values_list("topics", "pk").order_by("pk")
    for topic_id, version_id in rows:
        pool[topic_id].append(version_id)
    rng = random.Random(str(seed))
    chosen: list[int] = []
    taken: set[int] = set()
    short: list[str] = []
    for topic in topics:
        candidates = [v for v in pool[topic.pk] if v not in taken]
        if len(candidates) < per_topic:
            short.append(f"{topic.code} ({len(candidates)})")
            continue
        drawn = rng.sample(candidates, per_topic)
        chosen.extend(drawn)
        taken.update(drawn)
    if short:
        raise BlueprintShortError(
            _("The bank has too few items for topics: %(topics)s.") % {"topics": ", ".join(short)},
            field="topics",
        )
    by_id = versions_by_id(chosen)
    return [by_id[pk] for pk in chosen]


def bank_items(
    *,
    subject_id: int | None = None,
    topic_id: int | None = None,
    type: str | None = None,
    query: str = "",
    archived: bool | None = False,
) -> QuerySet[Item]:
    """The bank's list: items with their current version and its topics (3 queries);
    ``archived=None`` for both archived and not."""
    items = Item.objects.filter(current_version__isnull=False)
    if archived is not None:
        items = items.filter(archived=archived)
    if subject_id:
        items = items.filter(subject_id=subject_id)
    if type:
        items = items.filter(type=type)
    if topic_id:
        items = items.filter(current_version__topics=topic_id)
    if query:
        items = items.filter(Q(name__icontains=query) | Q(current_version__text__icontains=query))
    return (
        items.select_related("subject", "current_version", "author")
        .prefetch_related(Prefetch("current_version__topics", queryset=Topic.objects.order_by("position")))
        .distinct()
        .order_by("-created_at", "-pk")
    )
