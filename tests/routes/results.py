"""A campaign with final results, for the group builder and the proposals page."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.diagnostics_campaigns.helpers import RIGHT, WRONG, Cast, open_campaign
from tests.diagnostics_campaigns.test_results import _take
from tutorials.diagnostics.campaigns.models import Campaign
from tutorials.diagnostics.models import ItemType

# Wrong on the short answer (2.1: 1 of 2 points) and the extended one (3.1: 0 points).
EQUATIONS_AND_FUNCTIONS = {
    **RIGHT,
    ItemType.SHORT: WRONG[ItemType.SHORT],
    ItemType.EXTENDED: WRONG[ItemType.EXTENDED],
}


def final_campaign(cast: Cast, answers: dict[str, dict], *, close: bool = True) -> Campaign:
    """A campaign taken by the given people (name -> answers) and closed: its results are final.

    Closing is time passing (no service closes a campaign: it closes at ``closes_at``)."""
    campaign = open_campaign(cast)
    for who, given in answers.items():
        _take(cast, campaign, who, given)
    if close:
        Campaign.objects.filter(pk=campaign.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
        campaign.refresh_from_db()
    return campaign


def district_results(cast: Cast, *, close: bool = True) -> Campaign:
    """teacher (school A) and teacher_b (school B) wrong on everything (1.1, 1.2, 2.1, 3.1);
    teacher2 (school A) wrong on 2.1 and 3.1 only."""
    return final_campaign(
        cast,
        {
            "teacher": WRONG,
            "teacher_b": WRONG,
            "teacher2": EQUATIONS_AND_FUNCTIONS,
        },
        close=close,
    )
