"""A teacher's whole answer sheet saved at once (``answer_sheet_save``, and the questionnaire's,
``questionnaire_sheet_save``): the rules of one answer's save, for the sheet as a whole, in one
transaction with one bulk write."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.errors import (
    AttemptNotFoundError,
    AttemptSubmittedError,
    CampaignInvalidError,
    CampaignNotOpenError,
    DeadlinePassedError,
    ItemNotInAttemptError,
)
from tutorials.diagnostics.campaigns.models import Answer, Attempt, QuestionnaireAnswer
from tutorials.diagnostics.campaigns.services import attempts
from tutorials.diagnostics.models import ItemType
from tutorials.diagnostics.scoring import ResponseInvalidError

from .helpers import RIGHT, WRONG, Cast, make_items, open_campaign


def _sheet(cast: Cast, answers: dict[Any, Any]) -> dict[int, Any]:
    return {version.pk: answers[kind] for kind, version in cast.versions.items()}


def _rows(attempt: Attempt) -> dict[int, tuple[dict, int]]:
    return {a.version_id: (a.response, a.saves) for a in Answer.objects.filter(attempt=attempt)}


def test_a_sheet_is_saved_cleaned_as_one_by_one_and_saving_again_counts_each_answer(cast: Cast) -> None:
    campaign = open_campaign(cast)
    mine = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    theirs = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher2)
    assert (
        services.answer_sheet_save(
            attempt_id=mine.pk, user=cast.user("teacher"), responses=_sheet(cast, RIGHT)
        )
        == 5
    )
    for version_id, response in _sheet(cast, RIGHT).items():
        services.answer_save(
            attempt_id=theirs.pk, user=cast.user("teacher2"), version_id=version_id, response=response
        )
    assert _rows(mine) == _rows(theirs) and len(_rows(mine)) == 5
    single = cast.versions[ItemType.SINGLE].pk
    # Keys as a client sends them (strings); only the items given change.
    services.answer_sheet_save(
        attempt_id=mine.pk, user=cast.user("teacher"), responses={str(single): WRONG[ItemType.SINGLE]}
    )
    rows = _rows(mine)
    assert rows[single] == ({"choice": "a"}, 2)
    assert all(saves == 1 for pk, (_, saves) in rows.items() if pk != single)


def test_one_bad_answer_refuses_the_whole_sheet_and_nothing_changes(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    user = cast.user("teacher")
    services.answer_sheet_save(attempt_id=attempt.pk, user=user, responses=_sheet(cast, WRONG))
    before = _rows(attempt)
    right, single = _sheet(cast, RIGHT), cast.versions[ItemType.SINGLE].pk
    foreign = make_items(cast)[ItemType.SINGLE]  # a new item, not in the campaign
    for extra, error in (
        ({foreign.pk: {"choice": "b"}}, ItemNotInAttemptError),
        ({"x": {"choice": "b"}}, ItemNotInAttemptError),
        ({single: {"choice": "zzz"}}, ResponseInvalidError),
    ):
        with pytest.raises(error):
            services.answer_sheet_save(attempt_id=attempt.pk, user=user, responses={**right, **extra})
    assert _rows(attempt) == before


def test_another_teachers_a_submitted_or_an_overdue_attempt_refuses_the_sheet(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    sheet = _sheet(cast, RIGHT)
    with pytest.raises(AttemptNotFoundError):
        services.answer_sheet_save(attempt_id=attempt.pk, user=cast.user("teacher2"), responses=sheet)
    with pytest.raises(DeadlinePassedError):
        services.answer_sheet_save(
            attempt_id=attempt.pk, user=cast.user("teacher"), responses=sheet, now=attempt.deadline
        )
    assert not Answer.objects.filter(attempt=attempt).exists()
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    with pytest.raises(AttemptSubmittedError):
        services.answer_sheet_save(attempt_id=attempt.pk, user=cast.user("teacher"), responses=sheet)
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_the_sheet_takes_the_same_statements_for_one_answer_or_five(cast: Cast) -> None:
    campaign = open_campaign(cast)
    one = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    five = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher2)
    single = cast.versions[ItemType.SINGLE].pk
    counts = []
    for attempt, user, sheet in (
        (one, cast.user("teacher"), {single: RIGHT[ItemType.SINGLE]}),
        (five, cast.user("teacher2"), _sheet(cast, RIGHT)),
    ):
        with CaptureQueriesContext(connection) as ctx:
            services.answer_sheet_save(attempt_id=attempt.pk, user=user, responses=sheet)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 5
    assert Answer._meta.db_table in attempts._SHEET_SQL


def _answers(attempt: Attempt) -> dict[int, tuple[int | None, str]]:
    return {a.question_id: (a.level, a.text) for a in QuestionnaireAnswer.objects.filter(attempt=attempt)}


def test_a_questionnaire_sheet_is_saved_in_one_go_and_refused_whole_when_one_answer_is_bad(
    cast: Cast,
) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    user = cast.user("teacher")
    scale, normative, free = campaign.questions.order_by("pk")
    sheet: dict[Any, dict[str, Any]] = {
        scale.pk: {"level": 2},
        str(normative.pk): {"level": 0},
        free.pk: {"text": "  Время  "},
    }
    assert services.questionnaire_sheet_save(attempt_id=attempt.pk, user=user, answers=sheet) == 3
    saved = _answers(attempt)
    assert saved == {scale.pk: (2, ""), normative.pk: (0, ""), free.pk: (None, "Время")}
    # Again, one answer changed: still one row per question.
    services.questionnaire_sheet_save(attempt_id=attempt.pk, user=user, answers={scale.pk: {"level": 1}})
    assert _answers(attempt) == {**saved, scale.pk: (1, "")}
    before = _answers(attempt)
    other = open_campaign(cast).questions.order_by("pk")[0]
    for bad, error in (
        ({normative.pk: {"level": 7}}, CampaignInvalidError),
        ({normative.pk: {"level": "x"}}, CampaignInvalidError),
        ({other.pk: {"level": 0}}, CampaignInvalidError),  # a question of another questionnaire
    ):
        with pytest.raises(error):
            services.questionnaire_sheet_save(
                attempt_id=attempt.pk, user=user, answers={scale.pk: {"level": 0}, **bad}
            )
    with pytest.raises(AttemptNotFoundError):
        services.questionnaire_sheet_save(attempt_id=attempt.pk, user=cast.user("teacher2"), answers=sheet)
    with pytest.raises(CampaignNotOpenError):
        services.questionnaire_sheet_save(
            attempt_id=attempt.pk, user=user, answers=sheet, now=campaign.closes_at
        )
    assert _answers(attempt) == before
