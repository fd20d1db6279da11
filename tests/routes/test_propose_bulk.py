"""The campaign-wide run (``proposing.propose_for``, set-based reads and bulk writes) makes the
same drafts as the one-teacher path (``proposals.route_propose``), in a constant number of
statements whatever the number of teachers."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, User
from tests.casebank.factories import district_material
from tests.consultations.factories import OfferingFactory
from tests.diagnostics_campaigns.helpers import Cast
from tests.tutorials.factories import published
from tutorials.routes import proposals, proposing
from tutorials.routes.models import Route

from .results import district_results

WHO = ("teacher", "teacher_b", "teacher2")


def _snapshot(cast: Cast) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for who in WHO:
        route = Route.objects.get(teacher=cast.user(who))
        found[who] = {
            "route": (route.school_id, route.subject_id, route.campaign_id, route.status, route.tutor_id),
            "items": [
                (
                    i.position,
                    i.topic_id,
                    i.deficit,
                    i.task,
                    i.form,
                    i.expected_result,
                    i.proposal,
                    i.why,
                    i.offers,
                )
                for i in route.items.order_by("position")
            ],
            "transitions": list(route.transitions.values_list("actor_id", "from_status", "to_status")),
            "audit": sorted(
                (e.action, e.actor_id, e.organisation_id, e.data)
                for e in AuditEvent.objects.filter(target=str(route.pk), action__startswith="route.")
            ),
        }
    return found


def test_the_bulk_run_makes_the_drafts_the_one_teacher_path_makes(cast: Cast) -> None:
    topic = cast.topics["2.1"]
    OfferingFactory(tutor=cast.user("tutor"), subject=cast.subject, topic="Уравнения")
    OfferingFactory(tutor=cast.user("tutor"), subject=cast.subject)
    for n in range(4):  # more than OFFER_LIMIT on one topic: the first three, soonest first
        published(cast.tutor, title=f"Уравнения {n}", topic_ids=[topic.pk])
    district_material(
        cast.district,
        cast.user("teacher2"),
        cast.user("methodologist"),
        title="Кейс: уравнения",
        subjects=[cast.subject.pk],
        topics=["2.1"],
    )
    campaign = district_results(cast)
    methodologist = cast.user("methodologist")
    ids = [cast.user(who).pk for who in WHO]

    outcomes = proposing.propose_for(actor=methodologist, campaign_id=campaign.pk, teacher_ids=ids)
    assert [(o.added, o.refused) for o in outcomes] == [(4, ""), (4, ""), (2, "")]
    bulk = _snapshot(cast)
    on_topic = next(i for i in bulk["teacher2"]["items"] if i[1] == topic.pk)
    assert [o["kind"] for o in on_topic[-1]] == [
        "tutorial",
        "tutorial",
        "tutorial",
        "material",
        "offering",
        "offering",
        "help_hour",
    ]

    routes = Route.objects.filter(teacher_id__in=ids)
    AuditEvent.objects.filter(target__in=[str(r.pk) for r in routes]).delete()
    routes.delete()
    for teacher_id in ids:
        proposals.route_propose(teacher_id=teacher_id, campaign=campaign, actor=methodologist)
    assert _snapshot(cast) == bulk


def test_the_statements_of_a_run_do_not_grow_with_the_teachers(cast: Cast) -> None:
    campaign = district_results(cast)

    def methodologist() -> User:  # a fresh one each time: memberships read once per request
        return User.objects.get(pk=cast.user("methodologist").pk)

    actor = methodologist()
    with CaptureQueriesContext(connection) as one:
        proposing.propose_for(actor=actor, campaign_id=campaign.pk, teacher_ids=[cast.user("teacher2").pk])
    actor = methodologist()
    with CaptureQueriesContext(connection) as two:
        proposing.propose_for(
            actor=actor,
            campaign_id=campaign.pk,
            teacher_ids=[cast.user("teacher").pk, cast.user("teacher_b").pk],
        )
    assert len(two) == len(one)
    assert Route.objects.filter(campaign_id=campaign.pk).count() == 3
