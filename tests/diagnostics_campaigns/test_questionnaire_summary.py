"""The difficulties questionnaire counted over a campaign, beside the test's per-topic means:
staff see every answer (free texts without names), a school's administrator their school's
counts and never the free texts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from codifier.models import CompetenceBlock
from tests.conftest import client_for
from tutorials.diagnostics.campaigns import selectors, services
from tutorials.diagnostics.campaigns.models import Campaign, Question

from .helpers import Cast, make_items, open_campaign


def _answer(cast: Cast, campaign: Campaign, who: str, **by_question: dict) -> None:
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=getattr(cast, who))
    for position, values in by_question.items():
        question = campaign.questions.get(position=int(position[1:]))
        services.questionnaire_answer_save(
            attempt_id=attempt.pk, user=cast.user(who), question_id=question.pk, **values
        )


def test_answers_are_counted_per_question_and_per_school(cast: Cast) -> None:
    campaign = open_campaign(cast)  # q1 scale (2.1), q2 scale (normative block), q3 free text
    _answer(cast, campaign, "teacher", q1={"level": 2}, q2={"level": 0}, q3={"text": "Критерии части 2"})
    _answer(cast, campaign, "teacher2", q1={"level": 1}, q3={"text": "  "})
    _answer(cast, campaign, "teacher_b", q1={"level": 2}, q2={"level": 1}, q3={"text": "Геометрия"})
    every = {s.question.position: s for s in selectors.questionnaire_summary(campaign, with_texts=True)}
    assert (every[1].levels, every[1].answered, every[1].difficult) == ([0, 1, 2], 3, 3)
    assert every[2].levels == [1, 1, 0] and every[2].question.competence_block == CompetenceBlock.NORMATIVE
    assert sorted(every[3].texts) == ["Геометрия", "Критерии части 2"] and every[3].answered == 2
    school_a = {
        s.question.position: s
        for s in selectors.questionnaire_summary(campaign, school_id=cast.district.school_a.pk)
    }
    assert school_a[1].levels == [0, 1, 1] and school_a[3].texts == [] and school_a[3].answered == 1


def test_choice_answers_are_counted_per_option(cast: Cast) -> None:
    now = timezone.now()
    versions = make_items(cast)
    draft = services.campaign_create(
        membership=cast.methodologist,
        title="С вопросом о стаже",
        academic_year=cast.year,
        subject=cast.subject,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=2),
        time_limit_minutes=30,
        version_ids=[v.pk for v in versions.values()],
    )
    services.question_add(
        membership=cast.methodologist,
        campaign_id=draft.pk,
        kind=Question.Kind.CHOICE,
        text="Стаж",
        choices=["до 5 лет", "5 и более"],
    )
    campaign = services.campaign_publish(membership=cast.methodologist, campaign_id=draft.pk, now=now)
    _answer(cast, campaign, "teacher", q1={"choice": "5 и более"})
    _answer(cast, campaign, "teacher_b", q1={"choice": "5 и более"})
    (summary,) = selectors.questionnaire_summary(campaign)
    assert summary.options == [("до 5 лет", 0), ("5 и более", 2)] and summary.answered == 2


def test_the_results_page_shows_the_summary_and_free_texts_only_to_staff(cast: Cast) -> None:
    campaign = open_campaign(cast)
    _answer(cast, campaign, "teacher", q1={"level": 2}, q3={"text": "Критерии части 2"})
    host = cast.district.host(cast.district.centre)
    url = f"/diagnostics/campaigns/{campaign.pk}/results/"
    staff = client_for(cast.user("methodologist"), host).get(url).content.decode()
    assert 'id="questionnaire-summary"' in staff and "Критерии части 2" in staff
    assert '<span data-level="2">1</span>' in staff
    school = client_for(cast.user("admin_a"), host).get(url).content.decode()
    assert 'id="questionnaire-summary"' in school and '<span data-level="2">1</span>' in school
    assert "Критерии части 2" not in school
    other = client_for(cast.user("admin_b"), host).get(url).content.decode()
    assert '<span data-level="2">0</span>' in other and "Критерии части 2" not in other


def test_the_results_api_carries_the_summary_with_free_texts_for_staff_only(cast: Cast) -> None:
    campaign = open_campaign(cast)
    _answer(cast, campaign, "teacher", q1={"level": 1}, q3={"text": "Критерии части 2"})
    host = cast.district.host(cast.district.centre)
    url = f"/api/diagnostics/campaigns/{campaign.pk}/results/"
    staff = client_for(cast.user("methodologist"), host).get(url).json()["questionnaire"]
    assert staff[0]["levels"] == [0, 1, 0] and staff[0]["topic_code"] == "2.1"
    assert staff[2]["texts"] == ["Критерии части 2"]
    school = client_for(cast.user("admin_a"), host).get(url).json()["questionnaire"]
    assert school[0]["levels"] == [0, 1, 0] and school[2]["texts"] == [] and school[2]["answered"] == 1
