"""Extending a published campaign's close: attempts in progress get the time the rule
gives with the new close, submitted ones are untouched; only later, only before closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Kind, Notification
from tests.conftest import client_for
from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.errors import CampaignInvalidError, CampaignPermissionError
from tutorials.diagnostics.campaigns.models import Attempt, Campaign

from .helpers import Cast, open_campaign


def test_extending_gives_attempts_in_progress_the_rules_deadline_and_leaves_the_rest(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now, minutes=60, closes_in=timedelta(minutes=20))
    cut = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher, now=now)
    assert cut.deadline == campaign.closes_at  # the close cut the hour short
    done = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher2, now=now)
    services.attempt_submit(attempt_id=done.pk, user=cast.user("teacher2"), now=now + timedelta(minutes=1))
    services.campaign_extend(
        membership=cast.methodologist, campaign_id=campaign.pk, closes_at=now + timedelta(days=1), now=now
    )
    cut.refresh_from_db()
    done.refresh_from_db()
    assert cut.deadline == cut.started_at + timedelta(minutes=60)  # min(start + limit, the new close)
    assert done.status != Attempt.Status.IN_PROGRESS and done.deadline == now + timedelta(minutes=20)
    campaign.refresh_from_db()
    assert campaign.closes_at == now + timedelta(days=1) and campaign.reminder_sent_at is None


def test_only_later_only_open_only_published_and_only_by_a_methodologist(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now)
    close = campaign.closes_at
    refusals = [
        (cast.methodologist, close - timedelta(minutes=5), now, CampaignInvalidError),
        (cast.methodologist, close + timedelta(hours=1), close + timedelta(seconds=1), CampaignInvalidError),
        (cast.tutor, close + timedelta(hours=1), now, CampaignPermissionError),
        (cast.admin_a, close + timedelta(hours=1), now, CampaignPermissionError),
    ]
    for who, new_close, when, error in refusals:
        with pytest.raises(error):
            services.campaign_extend(membership=who, campaign_id=campaign.pk, closes_at=new_close, now=when)
    assert Campaign.objects.get(pk=campaign.pk).closes_at == close


def test_the_campaign_page_extends(cast: Cast) -> None:
    campaign = open_campaign(cast)
    client = client_for(cast.user("methodologist"), cast.district.host(cast.district.centre))
    assert 'id="campaign-extend"' in client.get(f"/diagnostics/campaigns/{campaign.pk}/").content.decode()
    new_close = timezone.localtime(campaign.closes_at + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/diagnostics/campaigns/{campaign.pk}/extend/", {"closes_at": new_close})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert timezone.localtime(campaign.closes_at).strftime("%Y-%m-%dT%H:%M") == new_close


def test_the_api_extends_and_refuses_an_earlier_close(cast: Cast) -> None:
    campaign = open_campaign(cast)
    client = client_for(cast.user("methodologist"), cast.district.host(cast.district.centre))
    url = f"/api/diagnostics/campaigns/{campaign.pk}/extend/"
    earlier = client.post(url, {"closes_at": timezone.now().isoformat()}, content_type="application/json")
    assert earlier.status_code == 400 and "closes_at" in earlier.content.decode()
    later = (campaign.closes_at + timedelta(days=1)).isoformat()
    assert client.post(url, {"closes_at": later}, content_type="application/json").status_code == 200
    tutor = client_for(cast.user("tutor"), cast.district.host(cast.district.centre))
    assert tutor.post(url, {"closes_at": later}, content_type="application/json").status_code == 403
    before = campaign.closes_at
    campaign.refresh_from_db()
    assert campaign.closes_at == before + timedelta(days=1)


def test_teachers_who_have_not_submitted_are_told_of_the_new_close(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now)  # published open: the opening was announced
    done = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher2, now=now)
    services.attempt_submit(attempt_id=done.pk, user=cast.user("teacher2"), now=now + timedelta(minutes=1))
    services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher, now=now)
    told = Notification.objects.filter(kind=Kind.DIAGNOSTIC_REMINDER, subject__contains="продлен")
    assert not told.exists()
    services.campaign_extend(
        membership=cast.methodologist, campaign_id=campaign.pk, closes_at=now + timedelta(days=2), now=now
    )
    recipients = set(told.values_list("recipient_id", flat=True))
    # the one in progress and the one not started, in school A and B; not the one who submitted,
    # nor the physics teacher outside the audience
    assert recipients == {cast.user(n).pk for n in ("teacher", "teacher_b")}


def test_a_campaign_not_yet_announced_tells_nobody_of_its_new_close(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now)
    Campaign.objects.filter(pk=campaign.pk).update(opening_notified_at=None)
    before = Notification.objects.count()
    services.campaign_extend(
        membership=cast.methodologist, campaign_id=campaign.pk, closes_at=now + timedelta(days=2), now=now
    )
    assert Notification.objects.count() == before
