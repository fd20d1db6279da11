"""A draft proposed from the diagnostics: one task per deficit, strongest first, each with
its why and ranked offers; accept, change or drop each proposal."""

from __future__ import annotations

import pytest

from tests.diagnostics_campaigns.helpers import RIGHT, WRONG, Cast, open_campaign
from tests.diagnostics_campaigns.test_results import _take
from tutorials.diagnostics.campaigns.selectors import Deficit
from tutorials.diagnostics.models import ItemType
from tutorials.routes import proposals, services
from tutorials.routes.errors import TransitionRefusedError
from tutorials.routes.models import PlanItem, Status

from .helpers import step


def _deficit(code: str, severity: str, source: str, percent: float | None) -> Deficit:
    return Deficit(1, 1, 1, code, code, "subject", source, severity, percent, None)


def test_the_ranking_rule_strongest_first() -> None:
    found = proposals.rank_deficits(
        [
            _deficit("1.10", "moderate", "test", 50.0),
            _deficit("1.2", "serious", "test", 20.0),
            _deficit("3.1", "serious", "both", 45.0),
            _deficit("2.1", "serious", "test", 10.0),
            _deficit("1.1", "serious", "questionnaire", None),
            _deficit("1.3", "moderate", "test", 50.0),
        ]
    )
    assert [d.topic_code for d in found] == ["3.1", "2.1", "1.2", "1.1", "1.3", "1.10"]


def test_a_proposed_draft_from_the_diagnostics(cast: Cast) -> None:
    campaign = open_campaign(cast, threshold=60)
    answers = {**RIGHT, ItemType.SHORT: WRONG[ItemType.SHORT], ItemType.EXTENDED: WRONG[ItemType.EXTENDED]}
    _take(cast, campaign, "teacher", answers, levels={"Решение уравнений": 2})
    route = proposals.route_propose(
        teacher_id=cast.user("teacher").pk, campaign=campaign, actor=cast.user("methodologist")
    )
    items = list(route.items.all())
    # 2.1 is serious from both sources, then 3.1 (serious, test only).
    assert [i.deficit.split()[0] for i in items] == ["2.1", "3.1"]
    assert all(i.proposal == PlanItem.Proposal.PROPOSED for i in items)
    assert items[0].why == (
        "result on topic 2.1 «Уравнения» — 50 %; marked in the questionnaire: «i have serious difficulties»"
    )
    # With nothing else on offer, the Help Hour comes last (here: alone).
    assert [o["kind"] for o in items[0].offers][-1] == "help_hour"
    assert route.status == Status.DRAFT and route.campaign_id == campaign.pk

    teacher = cast.user("teacher")
    services.route_set_tutor(
        actor=teacher, route_id=route.pk, version=route.version, tutor=cast.user("tutor")
    )
    # Undecided proposals keep the route from being sent.
    with pytest.raises(TransitionRefusedError, match="every proposed task"):
        step(route, teacher, Status.SUBMITTED)
    services.item_decide(actor=teacher, item_id=items[0].pk, version=items[0].version, accept=True)
    services.item_update(actor=teacher, item_id=items[1].pk, version=items[1].version, task="Графики функций")
    step(route, teacher, Status.SUBMITTED)
    assert set(route.items.values_list("proposal", flat=True)) == {"accepted"}


def test_no_deficits_no_proposal(cast: Cast) -> None:
    from tutornet.errors import TutornetError

    campaign = open_campaign(cast)
    _take(cast, campaign, "teacher", RIGHT)
    with pytest.raises(TutornetError, match="no deficits"):
        proposals.route_propose(
            teacher_id=cast.user("teacher").pk, campaign=campaign, actor=cast.user("methodologist")
        )
