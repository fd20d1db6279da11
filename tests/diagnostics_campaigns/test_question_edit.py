"""Editing a question of the difficulties questionnaire: who may, when (a draft freely; a
published campaign only until someone answers; never once closed), bad input, the page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import AuditEvent
from codifier.models import CompetenceBlock
from tests.conftest import client_for
from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.errors import CampaignInvalidError, CampaignPermissionError
from tutorials.diagnostics.campaigns.models import Campaign, Question

from .helpers import Cast, draft_campaign, open_campaign


def _draft(cast: Cast) -> Campaign:
    return draft_campaign(cast)


def _state(question: Question) -> tuple:
    question.refresh_from_db()
    return (question.kind, question.text, question.topic_id, question.competence_block, question.choices)


def _client(cast: Cast, who: str):
    user = cast.user(who)
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user, cast.district.host(cast.district.centre))


def test_a_methodologist_edits_a_draft_question_every_field(cast: Cast) -> None:
    campaign = _draft(cast)
    question = services.question_add(
        membership=cast.methodologist, campaign_id=campaign.pk, kind=Question.Kind.TEXT, text="Что трудно?"
    )
    edited = services.question_edit(
        membership=cast.methodologist,
        question_id=question.pk,
        kind=Question.Kind.SCALE,
        text="  Решение уравнений  ",
        topic_id=cast.topics["2.1"].pk,
    )
    assert _state(edited) == (Question.Kind.SCALE, "Решение уравнений", cast.topics["2.1"].pk, "", [])
    services.question_edit(
        membership=cast.methodologist,
        question_id=question.pk,
        kind=Question.Kind.CHOICE,
        text="Какой формат удобнее?",
        choices=["Очно", " ", "Дистанционно"],
    )
    assert _state(question) == (
        Question.Kind.CHOICE,
        "Какой формат удобнее?",
        None,
        "",
        ["Очно", "Дистанционно"],
    )
    assert AuditEvent.objects.filter(action="diagnostics.question_edit").count() == 2


@pytest.mark.parametrize("who", ["tutor", "teacher", "admin_a"])
def test_only_a_methodologist_edits(cast: Cast, who: str) -> None:
    campaign = _draft(cast)
    question = services.question_add(
        membership=cast.methodologist, campaign_id=campaign.pk, kind=Question.Kind.TEXT, text="Что трудно?"
    )
    before = _state(question)
    with pytest.raises(CampaignPermissionError):
        services.question_edit(
            membership=getattr(cast, who), question_id=question.pk, kind=Question.Kind.TEXT, text="Иначе"
        )
    assert _state(question) == before
    assert (
        _client(cast, who).get(f"/diagnostics/campaigns/{campaign.pk}/questions/{question.pk}/").status_code
        == 403
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": Question.Kind.SCALE, "text": "Шкала без темы"}, "topic"),
        ({"kind": Question.Kind.CHOICE, "text": "Один вариант", "choices": ["Да"]}, "choices"),
        ({"kind": Question.Kind.TEXT, "text": "   "}, "text"),
        ({"kind": "poll", "text": "Неизвестный вид"}, "kind"),
        ({"kind": Question.Kind.SCALE, "text": "Блок", "competence_block": "nonsense"}, "competence_block"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(cast: Cast, fields: dict, field: str) -> None:
    campaign = _draft(cast)
    question = services.question_add(
        membership=cast.methodologist, campaign_id=campaign.pk, kind=Question.Kind.TEXT, text="Что трудно?"
    )
    before = _state(question)
    with pytest.raises(CampaignInvalidError) as refused:
        services.question_edit(membership=cast.methodologist, question_id=question.pk, **fields)
    assert refused.value.field == field
    assert _state(question) == before


def test_a_topic_of_another_subject_is_refused(cast: Cast) -> None:
    campaign = _draft(cast)
    question = services.question_add(
        membership=cast.methodologist, campaign_id=campaign.pk, kind=Question.Kind.TEXT, text="Что трудно?"
    )
    from codifier.models import Codifier, Exam, Topic
    from tests.factories import SubjectFactory

    other = Codifier.objects.create(
        subject=SubjectFactory(), exam=Exam.OGE, academic_year=cast.year, title="Чужой"
    )
    foreign = Topic.objects.create(codifier=other, code="9.9", title="Чужая тема", position=0)
    with pytest.raises(CampaignInvalidError, match="topic of the subject"):
        services.question_edit(
            membership=cast.methodologist,
            question_id=question.pk,
            kind=Question.Kind.SCALE,
            text="Шкала",
            topic_id=foreign.pk,
        )


def test_a_published_question_is_corrected_until_someone_answers_it(cast: Cast) -> None:
    campaign = open_campaign(cast)
    scale, block, _text = list(campaign.questions.order_by("position"))
    services.question_edit(
        membership=cast.methodologist,
        question_id=block.pk,
        kind=Question.Kind.SCALE,
        text="Нормативные документы ГИА-9",
        competence_block=CompetenceBlock.NORMATIVE,
    )
    assert _state(block)[1] == "Нормативные документы ГИА-9"
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    services.questionnaire_answer_save(
        attempt_id=attempt.pk, user=cast.user("teacher"), question_id=scale.pk, level=Question.Level.SERIOUS
    )
    before = _state(scale)
    with pytest.raises(CampaignInvalidError, match="already answered"):
        services.question_edit(
            membership=cast.methodologist,
            question_id=scale.pk,
            kind=Question.Kind.SCALE,
            text="Совсем другой вопрос",
            topic_id=cast.topics["1.1"].pk,
        )
    assert _state(scale) == before
    # The page says why, offers no form, and a POST changes nothing.
    client = _client(cast, "methodologist")
    url = f"/diagnostics/campaigns/{campaign.pk}/questions/{scale.pk}/"
    page = client.get(url).content.decode()
    assert "already answered" in page and 'id="question-edit"' not in page
    posted = client.post(url, {"kind": "text", "text": "Иначе"})
    assert posted.status_code == 409 and _state(scale) == before


def test_a_closed_campaign_questionnaire_no_longer_changes(cast: Cast) -> None:
    campaign = open_campaign(cast)
    question = campaign.questions.order_by("position").last()
    assert question is not None
    with pytest.raises(CampaignInvalidError, match="closed"):
        services.question_edit(
            membership=cast.methodologist,
            question_id=question.pk,
            kind=Question.Kind.TEXT,
            text="Поздно",
            now=campaign.closes_at + timedelta(minutes=1),
        )


def test_the_edit_page_shows_the_question_and_saves_it(cast: Cast) -> None:
    campaign = _draft(cast)
    question = services.question_add(
        membership=cast.methodologist,
        campaign_id=campaign.pk,
        kind=Question.Kind.SCALE,
        text="Решение уравнений",
        topic_id=cast.topics["2.1"].pk,
    )
    client = _client(cast, "methodologist")
    detail = client.get(f"/diagnostics/campaigns/{campaign.pk}/").content.decode()
    url = f"/diagnostics/campaigns/{campaign.pk}/questions/{question.pk}/"
    assert f'href="{url}"' in detail
    form = client.get(url).content.decode()
    assert 'id="question-edit"' in form and "Решение уравнений" in form
    bad = client.post(url, {"kind": "scale", "text": "Без темы"})
    assert bad.status_code == 200 and "names a topic or a competence block" in bad.content.decode()
    assert _state(question)[1] == "Решение уравнений"
    saved = client.post(
        url, {"kind": "scale", "text": "Дробно-рациональные уравнения", "topic": cast.topics["2.1"].pk}
    )
    assert saved.status_code == 302 and saved["Location"].endswith(f"/diagnostics/campaigns/{campaign.pk}/")
    assert _state(question)[1] == "Дробно-рациональные уравнения"
    # Another campaign's question through this campaign's address: not found.
    other = _draft(cast)
    assert client.get(f"/diagnostics/campaigns/{other.pk}/questions/{question.pk}/").status_code == 404
