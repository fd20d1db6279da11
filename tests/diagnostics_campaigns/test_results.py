"""Per-topic results, deficits with their source and severity, who sees what, notifications."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from notifications.models import Kind, Notification
from tutorials.diagnostics.campaigns import permissions, selectors, services
from tutorials.diagnostics.campaigns.models import Attempt, AttemptItem, Campaign, Question
from tutorials.diagnostics.models import ItemType

from .helpers import RIGHT, WRONG, Cast, open_campaign


def _take(
    cast: Cast, campaign: Campaign, who: str, answers: dict, levels: dict[str, int] | None = None
) -> Attempt:
    membership = getattr(cast, who)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=membership)
    for kind, version in cast.versions.items():
        services.answer_save(
            attempt_id=attempt.pk, user=membership.user, version_id=version.pk, response=answers[kind]
        )
    for question in campaign.questions.filter(kind=Question.Kind.SCALE):
        level = (levels or {}).get(question.text)
        if level is not None:
            services.questionnaire_answer_save(
                attempt_id=attempt.pk, user=membership.user, question_id=question.pk, level=level
            )
    services.attempt_submit(attempt_id=attempt.pk, user=membership.user)
    item = AttemptItem.objects.filter(attempt=attempt, needs_grading=True).first()
    if item is not None:
        services.answer_grade(
            attempt_item_id=item.pk, membership=cast.tutor, points=answers is RIGHT and 3 or 0
        )
    attempt.refresh_from_db()
    return attempt


def test_deficits_name_their_source_and_severity(cast: Cast) -> None:
    campaign = open_campaign(cast, threshold=60)
    # Right except the short answer (2.1: 1 of 2 points = 50 %, below 60 % but not below 30 %)
    # and the extended one (3.1: 0 %).  Declares serious difficulty with 2.1, partial with the norms.
    answers = {**RIGHT, ItemType.SHORT: WRONG[ItemType.SHORT], ItemType.EXTENDED: WRONG[ItemType.EXTENDED]}
    attempt = _take(
        cast, campaign, "teacher", answers, levels={"Решение уравнений": 2, "Нормативные документы ГИА": 1}
    )
    assert attempt.status == Attempt.Status.FINAL
    deficits = {
        (d.topic_code or d.competence_block): d for d in selectors.deficits_for(cast.user("teacher").pk)
    }
    assert set(deficits) == {"2.1", "3.1", "normative"}
    assert (deficits["2.1"].source, deficits["2.1"].severity, deficits["2.1"].percent) == (
        "both",
        "serious",
        50.0,
    )
    assert deficits["2.1"].declared_level == 2
    assert (deficits["3.1"].source, deficits["3.1"].severity, deficits["3.1"].percent) == (
        "test",
        "serious",
        0.0,
    )
    assert (deficits["normative"].source, deficits["normative"].severity) == ("questionnaire", "moderate")
    assert deficits["normative"].topic_id is None
    # Serious first.
    assert [d.severity for d in selectors.deficits_for(cast.user("teacher").pk)][-1] == "moderate"


def test_deficits_in_a_campaign_cover_every_final_result(cast: Cast) -> None:
    campaign = open_campaign(cast)
    _take(cast, campaign, "teacher", RIGHT)
    _take(cast, campaign, "teacher2", WRONG)
    found = selectors.deficits_in_campaign(campaign)
    assert found[cast.user("teacher").pk] == []
    assert {d.topic_code for d in found[cast.user("teacher2").pk]} == {"1.1", "1.2", "2.1", "3.1"}
    assert selectors.deficits_for(cast.user("teacher2").pk, campaign) == found[cast.user("teacher2").pk]


def test_topic_lines_show_percentages_and_the_declared_difficulty(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = _take(
        cast, campaign, "teacher", {**RIGHT, ItemType.SHORT: WRONG[ItemType.SHORT]}, {"Решение уравнений": 1}
    )
    lines = {line.topic.code: line for line in selectors.topic_lines(attempt)}
    assert lines["2.1"].percent == 50.0 and lines["2.1"].below_threshold and lines["2.1"].declared_level == 1
    assert lines["1.1"].percent == 100.0 and not lines["1.1"].below_threshold


def test_school_aggregates_count_only_the_schools_teachers(cast: Cast) -> None:
    campaign = open_campaign(cast)
    _take(cast, campaign, "teacher", RIGHT)
    _take(cast, campaign, "teacher2", WRONG)
    _take(cast, campaign, "teacher_b", WRONG)
    school_a = selectors.school_aggregate(campaign, cast.district.school_a.pk)
    assert school_a["took_part"] == 2
    means = {line.topic.code: line.mean_percent for line in school_a["topics"]}
    assert means["1.1"] == 50.0  # one teacher 100 %, one 0 %
    assert selectors.school_aggregate(campaign, cast.district.school_b.pk)["took_part"] == 1


def test_who_sees_individual_results(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = _take(cast, campaign, "teacher", RIGHT)
    assert permissions.can_see_attempt(cast.teacher, cast.user("teacher"), attempt)
    assert permissions.can_see_attempt(cast.methodologist, cast.user("methodologist"), attempt)
    assert permissions.can_see_attempt(cast.tutor, cast.user("tutor"), attempt)
    for other in ("teacher2", "teacher_b", "other_tutor", "admin_a", "admin_b"):
        assert not permissions.can_see_attempt(getattr(cast, other), cast.user(other), attempt), other


def test_a_school_admin_sees_names_only_where_the_campaign_allows_and_only_their_school(cast: Cast) -> None:
    campaign = open_campaign(cast, names=True)
    attempt = _take(cast, campaign, "teacher", RIGHT)
    assert permissions.can_see_attempt(cast.admin_a, cast.user("admin_a"), attempt)
    assert not permissions.can_see_attempt(cast.admin_b, cast.user("admin_b"), attempt)
    assert permissions.can_see_school_aggregates(cast.admin_a, cast.district.school_a.pk)
    assert not permissions.can_see_school_aggregates(cast.admin_b, cast.district.school_a.pk)


def test_the_teacher_sees_correct_answers_only_after_the_close(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = _take(cast, campaign, "teacher", RIGHT)
    assert not permissions.can_see_correct_answers(cast.user("teacher"), attempt)
    assert permissions.can_see_correct_answers(cast.user("methodologist"), attempt)
    Campaign.objects.filter(pk=campaign.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    attempt = Attempt.objects.select_related("campaign").get(pk=attempt.pk)
    assert permissions.can_see_correct_answers(cast.user("teacher"), attempt)


def test_the_grading_queue_is_the_subjects_and_blind(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    services.answer_save(
        attempt_id=attempt.pk,
        user=cast.user("teacher"),
        version_id=cast.versions[ItemType.EXTENDED].pk,
        response=RIGHT[ItemType.EXTENDED],
    )
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    assert [i.attempt_id for i in selectors.grading_queue(cast.tutor)] == [attempt.pk]
    assert [i.attempt_id for i in selectors.grading_queue(cast.methodologist)][-1] == attempt.pk
    assert not selectors.grading_queue(cast.other_tutor).filter(attempt=attempt).exists()
    assert not selectors.grading_queue(cast.teacher).exists()


def test_teachers_are_told_when_it_opens_and_reminded_once_before_it_closes(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now, closes_in=timedelta(hours=30))
    opened = Notification.objects.filter(kind=Kind.DIAGNOSTIC_OPENED, link__contains="/diagnostics/my/")
    recipients = set(opened.values_list("recipient_id", flat=True))
    audience = {cast.user(n).pk for n in ("teacher", "teacher2", "teacher_b")}
    assert audience <= recipients
    assert cast.user("physics_teacher").pk not in recipients
    # Nothing more while the close is far; a reminder within 24 hours, once, to those who have not submitted.
    _take(cast, campaign, "teacher", RIGHT)
    services.campaigns_notify_due(now=now + timedelta(hours=1))
    reminders = Notification.objects.filter(kind=Kind.DIAGNOSTIC_REMINDER)
    assert not reminders.filter(Q(recipient__in=audience)).exists()
    services.campaigns_notify_due(now=now + timedelta(hours=15))  # past half-time and within 24 h
    services.campaigns_notify_due(now=now + timedelta(hours=16))
    reminded = list(reminders.filter(recipient__in=audience).values_list("recipient_id", flat=True))
    assert sorted(reminded) == sorted([cast.user("teacher2").pk, cast.user("teacher_b").pk])
