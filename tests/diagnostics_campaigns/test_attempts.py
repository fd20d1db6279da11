"""Starting, answering and submitting an attempt; scoring and grading; the rules on bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.errors import (
    AlreadyGradedError,
    AttemptNotFoundError,
    AttemptSubmittedError,
    CampaignNotOpenError,
    CampaignPermissionError,
    DeadlinePassedError,
    GradeInvalidError,
    ItemNotInAttemptError,
)
from tutorials.diagnostics.campaigns.models import Answer, Attempt, AttemptItem, TopicResult
from tutorials.diagnostics.models import Item, ItemType, ItemVersion
from tutorials.diagnostics.scoring import ResponseInvalidError

from .helpers import RIGHT, WRONG, Cast, make_items, open_campaign


def _answer_all(cast: Cast, attempt: Attempt, answers: dict[str, dict], who: str = "teacher") -> None:
    for kind, version in cast.versions.items():
        services.answer_save(
            attempt_id=attempt.pk, user=cast.user(who), version_id=version.pk, response=answers[kind]
        )


def test_the_deadline_is_the_start_plus_the_limit_or_the_close_whichever_is_first(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now, minutes=30)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher, now=now)
    assert attempt.deadline == now + timedelta(minutes=30)
    assert attempt.school_id == cast.district.school_a.pk
    assert list(attempt.items.values_list("position", flat=True)) == [1, 2, 3, 4, 5]
    late = services.attempt_start(
        campaign_id=campaign.pk, membership=cast.teacher_b, now=campaign.closes_at - timedelta(minutes=10)
    )
    assert late.deadline == campaign.closes_at


def test_starting_again_resumes_the_same_attempt(cast: Cast) -> None:
    campaign = open_campaign(cast)
    first = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    again = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    assert again.pk == first.pk
    assert Attempt.objects.filter(campaign=campaign).count() == 1


def test_only_the_subjects_teachers_of_the_chosen_schools_may_start(cast: Cast) -> None:
    campaign = open_campaign(cast, schools=[cast.district.school_a.pk])
    for outsider in (cast.physics_teacher, cast.teacher_b, cast.tutor, cast.admin_a):
        with pytest.raises(CampaignPermissionError):
            services.attempt_start(campaign_id=campaign.pk, membership=outsider)
    assert not Attempt.objects.filter(campaign=campaign).exists()


def test_a_campaign_cannot_be_started_before_it_opens_or_after_it_closes(cast: Cast) -> None:
    campaign = open_campaign(cast)
    with pytest.raises(CampaignNotOpenError):
        services.attempt_start(
            campaign_id=campaign.pk, membership=cast.teacher, now=campaign.opens_at - timedelta(seconds=1)
        )
    with pytest.raises(CampaignNotOpenError):
        services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher, now=campaign.closes_at)
    assert not Attempt.objects.exists() or not Attempt.objects.filter(campaign=campaign).exists()


def test_saving_an_answer_again_replaces_it_in_one_row(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    single = cast.versions[ItemType.SINGLE]
    services.answer_save(
        attempt_id=attempt.pk, user=cast.user("teacher"), version_id=single.pk, response={"choice": "a"}
    )
    services.answer_save(
        attempt_id=attempt.pk, user=cast.user("teacher"), version_id=single.pk, response={"choice": "b"}
    )
    answer = Answer.objects.get(attempt=attempt, version=single)
    assert answer.response == {"choice": "b"} and answer.saves == 2


def test_an_answer_to_an_item_not_in_the_attempt_is_refused(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    foreign = make_items(cast)[ItemType.SINGLE]  # a new item, not in the campaign
    for version_id in (foreign.pk, "x", None, 0):
        with pytest.raises(ItemNotInAttemptError):
            services.answer_save(
                attempt_id=attempt.pk,
                user=cast.user("teacher"),
                version_id=version_id,
                response={"choice": "b"},
            )
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_an_answer_of_the_wrong_shape_is_refused_and_nothing_is_saved(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    with pytest.raises(ResponseInvalidError):
        services.answer_save(
            attempt_id=attempt.pk,
            user=cast.user("teacher"),
            version_id=cast.versions[ItemType.SINGLE].pk,
            response={"choice": "zzz"},
        )
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_another_teacher_cannot_answer_in_my_attempt(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    with pytest.raises(AttemptNotFoundError):
        services.answer_save(
            attempt_id=attempt.pk,
            user=cast.user("teacher2"),
            version_id=cast.versions[ItemType.SINGLE].pk,
            response={"choice": "a"},
        )
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_an_answer_after_the_deadline_is_refused_and_changes_nothing(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher, now=now)
    single = cast.versions[ItemType.SINGLE]
    user = cast.user("teacher")
    services.answer_save(
        attempt_id=attempt.pk, user=user, version_id=single.pk, response={"choice": "b"}, now=now
    )
    with pytest.raises(DeadlinePassedError):
        services.answer_save(
            attempt_id=attempt.pk,
            user=user,
            version_id=single.pk,
            response={"choice": "a"},
            now=attempt.deadline,
        )
    answer = Answer.objects.get(attempt=attempt, version=single)
    assert answer.response == {"choice": "b"} and answer.saves == 1


def test_submission_scores_auto_items_and_queues_the_extended_answer(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    _answer_all(cast, attempt, RIGHT)
    submitted = services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    assert submitted.status == Attempt.Status.SUBMITTED and not submitted.submitted_automatically
    points = {
        i.version.item.type: i.points
        for i in AttemptItem.objects.filter(attempt=attempt).select_related("version__item")
    }
    assert points == {
        ItemType.SINGLE: Decimal("1.00"),
        ItemType.MULTIPLE: Decimal("2.00"),
        ItemType.SHORT: Decimal("1.00"),
        ItemType.NUMERIC: Decimal("1.00"),
        ItemType.EXTENDED: None,
    }
    assert (
        AttemptItem.objects.get(attempt=attempt, needs_grading=True).version
        == cast.versions[ItemType.EXTENDED]
    )
    assert not TopicResult.objects.filter(attempt=attempt).exists()  # not final yet


def test_a_second_submission_is_refused_and_answers_after_it_too(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    with pytest.raises(AttemptSubmittedError, match="already submitted"):
        services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    with pytest.raises(AttemptSubmittedError):
        services.answer_save(
            attempt_id=attempt.pk,
            user=cast.user("teacher"),
            version_id=cast.versions[ItemType.SINGLE].pk,
            response={"choice": "b"},
        )
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_the_beat_job_submits_overdue_attempts_once(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now, minutes=10)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher, now=now)
    other = services.attempt_start(
        campaign_id=campaign.pk, membership=cast.teacher2, now=now + timedelta(minutes=5)
    )
    services.answer_save(
        attempt_id=attempt.pk,
        user=cast.user("teacher"),
        version_id=cast.versions[ItemType.SINGLE].pk,
        response={"choice": "b"},
        now=now,
    )
    later = now + timedelta(minutes=11)
    assert services.attempts_submit_due(now=later) == 1
    assert services.attempts_submit_due(now=later) == 0
    attempt.refresh_from_db()
    other.refresh_from_db()
    assert attempt.status == Attempt.Status.FINAL  # no extended answer to grade: final at once
    assert attempt.submitted_automatically and attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("1.00")
    assert other.status == Attempt.Status.IN_PROGRESS
    with pytest.raises(AttemptSubmittedError, match="automatically"):
        services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))


def test_grading_makes_the_result_final_with_points_per_topic(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    _answer_all(cast, attempt, {**RIGHT, ItemType.SHORT: WRONG[ItemType.SHORT]})
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    item = AttemptItem.objects.get(attempt=attempt, needs_grading=True)
    for refused in (cast.other_tutor, cast.teacher2, cast.admin_a):
        with pytest.raises(CampaignPermissionError):
            services.answer_grade(attempt_item_id=item.pk, membership=refused, points=1)
    for bad in ("4", "-1", "abc", "1.555"):
        with pytest.raises(GradeInvalidError):
            services.answer_grade(attempt_item_id=item.pk, membership=cast.tutor, points=bad)
    services.answer_grade(
        attempt_item_id=item.pk, membership=cast.tutor, points="2,5", comment="Нет подписи осей"
    )
    with pytest.raises(AlreadyGradedError):
        services.answer_grade(attempt_item_id=item.pk, membership=cast.methodologist, points=3)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINAL
    assert attempt.score == Decimal("6.50") and attempt.max_score == Decimal("8.00")
    by_code = {
        r.topic.code: (r.earned, r.possible)
        for r in TopicResult.objects.filter(attempt=attempt).select_related("topic")
    }
    # 1.1: single (1/1) + numeric (1/1); 1.2: multiple 2/2; 2.1: short 0/1 + numeric 1/1; 3.1: extended 2.5/3
    assert by_code == {
        "1.1": (Decimal("2.00"), Decimal("2.00")),
        "1.2": (Decimal("2.00"), Decimal("2.00")),
        "2.1": (Decimal("1.00"), Decimal("2.00")),
        "3.1": (Decimal("2.50"), Decimal("3.00")),
    }


def test_an_unanswered_extended_item_scores_zero_without_grading(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINAL and attempt.score == Decimal("0.00")
    assert not AttemptItem.objects.filter(attempt=attempt, needs_grading=True).exists()


def test_the_hand_written_sql_names_the_models_tables() -> None:
    from tutorials.diagnostics.campaigns.services import attempts

    assert Attempt._meta.db_table in attempts._SHARE_SQL
    assert Answer._meta.db_table in attempts._UPSERT_SQL
    for model in (Attempt, AttemptItem, ItemVersion, Item):
        assert f" {model._meta.db_table} " in attempts._SAVE_SQL
