"""The reads campaigns use: versions by id, N items per topic with a fixed seed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tests.conftest import District
from tutorials.diagnostics import selectors, services
from tutorials.diagnostics.errors import BlueprintShortError
from tutorials.diagnostics.models import ItemType

from .factories import bank_codifier, make_item, methodologist

pytestmark = pytest.mark.django_db


def test_a_blueprint_draws_n_distinct_items_per_topic_the_same_for_the_same_seed(district: District) -> None:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        for code in ("1.1", "1.2", "3.1"):
            for _ in range(4):
                make_item(actor=actor, codifier=codifier, codes=(code,))
        both = make_item(actor=actor, codifier=codifier, codes=("1.1", "1.2"))
        archived = make_item(actor=actor, codifier=codifier, codes=("1.1",))
        services.item_archive(item=archived, actor=actor)
        topics = {t.code: t.pk for t in codifier.topics.all()}
        ids = [topics["3.1"], topics["1.2"], topics["1.1"]]

        drawn = selectors.items_for_blueprint(subject=codifier.subject, topic_ids=ids, per_topic=3, seed=42)
        again = selectors.items_for_blueprint(subject=codifier.subject, topic_ids=ids, per_topic=3, seed=42)
        other_seeds = {
            tuple(
                v.pk
                for v in selectors.items_for_blueprint(
                    subject=codifier.subject, topic_ids=ids, per_topic=3, seed=s
                )
            )
            for s in range(10)
        }

        assert [v.pk for v in drawn] == [v.pk for v in again]
        assert len(other_seeds) > 1
        assert len({v.pk for v in drawn}) == 9
        assert archived.current_version_id not in {v.pk for v in drawn}
        # Codifier order: three of 1.1 first, then 1.2, then 3.1.
        codes = [{t.code for t in v.topics.all()} for v in drawn]
        assert all("1.1" in c for c in codes[:3]) and all("3.1" in c for c in codes[6:])
        assert both.pk  # an item with two topics is drawn at most once
        counts = selectors.topic_item_counts(codifier.subject, ids)
        assert counts[topics["1.1"]] == 5 and counts[topics["3.1"]] == 4


def test_a_blueprint_asking_for_more_than_the_bank_has_names_the_short_topics(district: District) -> None:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        make_item(actor=actor, codifier=codifier, codes=("3.2",), type=ItemType.NUMERIC)
        topic = codifier.topics.get(code="3.2")
        with pytest.raises(BlueprintShortError) as error:
            selectors.items_for_blueprint(subject=codifier.subject, topic_ids=[topic.pk], per_topic=2, seed=1)
        assert "3.2 (1)" in error.value.message


def test_versions_by_id_reads_items_and_topics_in_three_queries(district: District) -> None:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        items = [make_item(actor=actor, codifier=codifier, type=t) for t in ItemType.values]
        ids = [i.current_version_id for i in items]
        with CaptureQueriesContext(connection) as queries:
            versions = selectors.versions_by_id(ids)  # type: ignore[arg-type]
            assert {v.item.type for v in versions.values()} == set(ItemType.values)
            assert all(v.topics.all() for v in versions.values())
        assert len(queries) <= 3
