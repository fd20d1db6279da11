"""The campaigns list shows each person only what they may see: methodologists every
campaign, tutors their subjects' published ones, a school's administrator the published
campaigns meant for their school with their own school's counts, never the district's."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import client_for
from tutorials.diagnostics.campaigns import selectors, services
from tutorials.diagnostics.campaigns.models import Campaign

from .helpers import RIGHT, Cast, draft_campaign, open_campaign


def _take(cast: Cast, campaign: Campaign, who: str) -> None:
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=getattr(cast, who))
    for kind, version in cast.versions.items():
        services.answer_save(
            attempt_id=attempt.pk, user=cast.user(who), version_id=version.pk, response=RIGHT[kind]
        )
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user(who))


def _listed(cast: Cast, who: str) -> dict[int, Campaign]:
    return {c.pk: c for c in selectors.campaigns_listed(getattr(cast, who))}


def test_tutors_see_their_subjects_campaigns_and_schools_only_theirs_with_their_counts(cast: Cast) -> None:
    everyone = open_campaign(cast)
    only_b = open_campaign(cast, schools=[cast.district.school_b.pk], questionnaire=False)
    _take(cast, everyone, "teacher")
    _take(cast, everyone, "teacher_b")
    assert {everyone.pk, only_b.pk} <= set(_listed(cast, "methodologist"))
    assert _listed(cast, "methodologist")[everyone.pk].started == 2
    assert {everyone.pk, only_b.pk} <= set(_listed(cast, "tutor"))
    assert not {everyone.pk, only_b.pk} & set(_listed(cast, "other_tutor"))
    school_a = _listed(cast, "admin_a")
    assert everyone.pk in school_a and only_b.pk not in school_a
    assert (school_a[everyone.pk].started, school_a[everyone.pk].submitted) == (1, 1)
    assert only_b.pk in _listed(cast, "admin_b")
    assert not _listed(cast, "teacher")


def test_the_list_page_of_another_subjects_tutor_does_not_show_the_campaign(cast: Cast) -> None:
    campaign = open_campaign(cast)
    host = cast.district.host(cast.district.centre)
    mine = client_for(cast.user("tutor"), host).get("/diagnostics/campaigns/").content.decode()
    other = client_for(cast.user("other_tutor"), host).get("/diagnostics/campaigns/").content.decode()
    assert f'id="campaign-{campaign.pk}"' in mine and f'id="campaign-{campaign.pk}"' not in other


def test_live_progress_counts_the_audience_started_submitted_and_to_grade(cast: Cast) -> None:
    campaign = open_campaign(cast)
    _take(cast, campaign, "teacher")  # submitted, its extended answer waiting for a grade
    services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher2)  # started only
    progress = selectors.campaign_progress(campaign)
    assert progress == {
        "audience": 3,  # teacher, teacher2, teacher_b (not the physics teacher)
        "started": 2,
        "in_progress": 1,
        "submitted": 1,
        "final": 0,
        "to_grade": 1,
    }
    page = client_for(cast.user("methodologist"), cast.district.host(cast.district.centre)).get(
        f"/diagnostics/campaigns/{campaign.pk}/"
    )
    html = page.content.decode()
    assert "<strong data-started>2</strong>" in html and "<strong data-submitted>1</strong>" in html
    assert "<strong data-to-grade>1</strong>" in html


def test_my_diagnostics_shows_a_published_campaign_before_it_opens_without_a_start(cast: Cast) -> None:
    later = draft_campaign(
        cast, title="Октябрьская диагностика", opens_in=timedelta(days=1), closes_in=timedelta(days=3),
        minutes=40,
    )  # fmt: skip
    client = client_for(cast.user("teacher"), cast.district.host(cast.district.centre))

    def page() -> str:
        return client.get("/diagnostics/my/").content.decode()

    assert f'id="upcoming-{later.pk}"' not in page()  # a draft is nobody's business yet
    services.campaign_publish(membership=cast.methodologist, campaign_id=later.pk)
    html = page()
    assert f'id="upcoming-{later.pk}"' in html and f"/diagnostics/take/{later.pk}/" not in html
