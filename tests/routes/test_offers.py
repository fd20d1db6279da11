"""The offers of a proposed task, ranked by the documented rule (tutorial on the topic,
then a published case material on it, then the subject's consultations, then the Help
Hour), and a published material of the teacher found as evidence."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from tests.casebank.factories import district_material
from tests.consultations.factories import OfferingFactory
from tests.diagnostics_campaigns.helpers import Cast
from tests.tutorials.factories import published
from tutorials.diagnostics.campaigns.selectors import Deficit
from tutorials.routes import collect, proposals
from tutorials.routes.models import Evidence

from .helpers import draft


def test_offers_come_in_the_documented_order_and_a_published_material_is_evidence(cast: Cast) -> None:
    topic = cast.topics["2.1"]
    OfferingFactory(tutor=cast.user("tutor"), subject=cast.subject)
    tutorial = published(cast.tutor, title="Уравнения: разбор", topic_ids=[topic.pk])
    _own, copy = district_material(
        cast.district,
        cast.user("teacher2"),
        cast.user("methodologist"),
        title="Кейс: уравнения",
        subjects=[cast.subject.pk],
        topics=["2.1"],
    )
    with tenant_context(cast.district.centre):
        assert topic.pk in {t.pk for t in copy.codifier_topics.all()}
        deficit = Deficit(1, 1, topic.pk, "2.1", topic.title, "subject", "test", "serious", 20.0, None)
        offers = proposals.offers_for(deficit, cast.subject.pk)
        assert [o["kind"] for o in offers] == ["tutorial", "material", "offering", "help_hour"]
        assert (offers[0]["id"], offers[1]["id"]) == (tutorial.pk, copy.pk)
        # Another subject has no consultations to offer: the Help Hour still closes the list.
        assert [o["kind"] for o in proposals.offers_for(deficit, None)] == [
            "tutorial",
            "material",
            "help_hour",
        ]

        route = draft(cast, "teacher2")
        found = collect.evidence_collect(actor=cast.user("teacher2"), route_id=route.pk)
        assert [(e.kind, e.title) for e in found] == [(Evidence.Kind.MATERIAL, "Кейс: уравнения")]
