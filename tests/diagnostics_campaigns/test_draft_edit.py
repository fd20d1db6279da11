"""Correcting a draft campaign before it is published: its facts and test form, removing a
questionnaire question, deleting the draft.  A published campaign changes no more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from accounts.models import AuditEvent
from codifier.models import CompetenceBlock
from tests.conftest import client_for
from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.errors import CampaignInvalidError, CampaignPermissionError
from tutorials.diagnostics.campaigns.models import Campaign, CampaignItem, Question
from tutorials.diagnostics.models import ItemType

from .helpers import Cast, draft_campaign, open_campaign


def _draft(cast: Cast) -> Campaign:
    return draft_campaign(cast)


def _fields(cast: Cast, campaign: Campaign, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": campaign.title,
        "academic_year": cast.year,
        "subject": cast.subject,
        "opens_at": campaign.opens_at,
        "closes_at": campaign.closes_at,
        "time_limit_minutes": campaign.time_limit_minutes,
        "deficit_threshold": campaign.deficit_threshold,
        "version_ids": list(campaign.items.values_list("version_id", flat=True)),
    }
    fields.update(changes)
    return fields


def _client(cast: Cast, who: str):
    user = cast.user(who)
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user, cast.district.host(cast.district.centre))


def _snapshot(campaign: Campaign) -> tuple:
    campaign.refresh_from_db()
    return (
        campaign.title,
        campaign.opens_at,
        campaign.closes_at,
        campaign.time_limit_minutes,
        campaign.form,
        campaign.per_topic,
        list(campaign.items.values_list("version_id", flat=True)),
        sorted(campaign.blueprint_topics.values_list("pk", flat=True)),
    )


def test_a_draft_is_corrected_its_facts_items_and_then_its_form(cast: Cast) -> None:
    campaign = _draft(cast)
    v = cast.versions
    later = campaign.closes_at + timedelta(days=2)
    services.campaign_update(
        membership=cast.methodologist,
        campaign_id=campaign.pk,
        **_fields(
            cast,
            campaign,
            title="  Сентябрь, исправлено ",
            closes_at=later,
            time_limit_minutes=40,
            school_admins_see_names=True,
            audience_school_ids=[cast.district.school_b.pk],
            version_ids=[v[ItemType.NUMERIC].pk, v[ItemType.SINGLE].pk],
        ),
    )
    campaign.refresh_from_db()
    assert (campaign.title, campaign.closes_at, campaign.time_limit_minutes) == (
        "Сентябрь, исправлено",
        later,
        40,
    )
    assert campaign.school_admins_see_names and campaign.audience_school_ids == [cast.district.school_b.pk]
    assert list(CampaignItem.objects.filter(campaign=campaign).values_list("version_id", "position")) == [
        (v[ItemType.NUMERIC].pk, 1),
        (v[ItemType.SINGLE].pk, 2),
    ]
    services.campaign_update(
        membership=cast.methodologist,
        campaign_id=campaign.pk,
        **_fields(
            cast,
            campaign,
            form=Campaign.Form.BLUEPRINT,
            blueprint_topic_ids=[cast.topics["1.1"].pk],
            per_topic=2,
        ),
    )
    assert _snapshot(campaign)[4:] == (Campaign.Form.BLUEPRINT, 2, [], [cast.topics["1.1"].pk])
    assert AuditEvent.objects.filter(action="diagnostics.campaign_update").count() == 2


def test_a_bad_correction_names_its_field_and_changes_nothing(cast: Cast) -> None:
    campaign = _draft(cast)
    before = _snapshot(campaign)
    bad = [
        ({"closes_at": campaign.opens_at - timedelta(hours=1)}, "closes_at"),
        ({"title": "  "}, "title"),
        ({"version_ids": []}, "version_ids"),
        (
            {"form": Campaign.Form.BLUEPRINT, "blueprint_topic_ids": [cast.topics["1.1"].pk], "per_topic": 9},
            "blueprint_topic_ids",
        ),
        ({"audience_school_ids": [cast.district.centre.pk]}, "audience_school_ids"),
    ]
    for changes, field in bad:
        with pytest.raises(CampaignInvalidError) as refused:
            services.campaign_update(
                membership=cast.methodologist, campaign_id=campaign.pk, **_fields(cast, campaign, **changes)
            )
        assert refused.value.field == field
        assert _snapshot(campaign) == before


def test_only_a_draft_is_corrected_or_deleted_and_only_by_a_methodologist(cast: Cast) -> None:
    draft = _draft(cast)
    for who in (cast.tutor, cast.teacher, cast.admin_a):
        with pytest.raises(CampaignPermissionError):
            services.campaign_update(membership=who, campaign_id=draft.pk, **_fields(cast, draft, title="x"))
        with pytest.raises(CampaignPermissionError):
            services.campaign_delete(membership=who, campaign_id=draft.pk)
    published = open_campaign(cast)
    before = _snapshot(published)
    with pytest.raises(CampaignInvalidError, match="published"):
        services.campaign_update(
            membership=cast.methodologist, campaign_id=published.pk, **_fields(cast, published, title="Новое")
        )
    with pytest.raises(CampaignInvalidError, match="published"):
        services.campaign_delete(membership=cast.methodologist, campaign_id=published.pk)
    assert _snapshot(published) == before
    services.campaign_delete(membership=cast.methodologist, campaign_id=draft.pk)
    assert not Campaign.objects.filter(pk=draft.pk).exists()


def test_a_question_is_removed_and_the_rest_keep_their_order(cast: Cast) -> None:
    campaign = _draft(cast)
    texts = ["Первый", "Второй", "Третий", "Четвёртый"]
    made = [
        services.question_add(
            membership=cast.methodologist, campaign_id=campaign.pk, kind=Question.Kind.TEXT, text=t
        )
        for t in texts
    ]
    services.question_delete(membership=cast.methodologist, question_id=made[1].pk)
    rows = list(Question.objects.filter(campaign=campaign).values_list("position", "text"))
    assert rows == [(1, "Первый"), (2, "Третий"), (3, "Четвёртый")]
    added = services.question_add(
        membership=cast.methodologist, campaign_id=campaign.pk, kind=Question.Kind.TEXT, text="Пятый"
    )
    assert added.position == 4
    with pytest.raises(CampaignPermissionError):
        services.question_delete(membership=cast.tutor, question_id=made[0].pk)
    assert Question.objects.filter(campaign=campaign).count() == 4


def test_an_answered_question_of_a_published_campaign_is_never_removed(cast: Cast) -> None:
    campaign = open_campaign(cast)
    question = campaign.questions.get(competence_block=CompetenceBlock.NORMATIVE)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    services.questionnaire_answer_save(
        attempt_id=attempt.pk, user=cast.user("teacher"), question_id=question.pk, level=2
    )
    with pytest.raises(CampaignInvalidError, match="already answered"):
        services.question_delete(membership=cast.methodologist, question_id=question.pk)
    assert Question.objects.filter(pk=question.pk).exists()


def test_the_pages_edit_a_draft_remove_a_question_and_delete_it(cast: Cast) -> None:
    campaign = _draft(cast)
    question = services.question_add(
        membership=cast.methodologist, campaign_id=campaign.pk, kind=Question.Kind.TEXT, text="Что трудно?"
    )
    client = _client(cast, "methodologist")
    page = client.get(f"/diagnostics/campaigns/{campaign.pk}/").content.decode()
    assert f"/diagnostics/campaigns/{campaign.pk}/edit/" in page
    assert f"/diagnostics/campaigns/{campaign.pk}/questions/{question.pk}/delete/" in page
    edit = client.get(f"/diagnostics/campaigns/{campaign.pk}/edit/")
    assert edit.status_code == 200 and "Черновик" in edit.content.decode()
    form = {
        "title": "Черновик, исправлено",
        "academic_year": cast.year.pk,
        "subject": cast.subject.pk,
        "opens_at": "2026-09-10T09:00",
        "closes_at": "2026-09-09T09:00",
        "time_limit_minutes": 45,
        "deficit_threshold": 50,
        "form": "fixed",
        "version_ids": [cast.versions[ItemType.SHORT].pk],
    }
    refused = client.post(f"/diagnostics/campaigns/{campaign.pk}/edit/", form)
    assert (
        refused.status_code == 200 and "The campaign must close after it opens." in refused.content.decode()
    )
    form["closes_at"] = "2026-09-20T18:00"
    assert client.post(f"/diagnostics/campaigns/{campaign.pk}/edit/", form).status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "Черновик, исправлено" and campaign.deficit_threshold == 50
    assert list(campaign.items.values_list("version_id", flat=True)) == [cast.versions[ItemType.SHORT].pk]
    assert _client(cast, "tutor").get(f"/diagnostics/campaigns/{campaign.pk}/edit/").status_code == 403
    removed = client.post(f"/diagnostics/campaigns/{campaign.pk}/questions/{question.pk}/delete/")
    assert removed.status_code == 302 and not Question.objects.filter(pk=question.pk).exists()
    assert client.post(f"/diagnostics/campaigns/{campaign.pk}/delete/").status_code == 302
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
