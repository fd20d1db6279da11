"""A methodologist corrects a grade a tutor gave: the final result (score, per-topic points,
deficits) follows at once; an automatically scored item and other people are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditEvent
from tests.conftest import client_for
from tutorials.diagnostics.campaigns import selectors, services
from tutorials.diagnostics.campaigns.errors import CampaignPermissionError, GradeInvalidError
from tutorials.diagnostics.campaigns.models import Attempt, AttemptItem, TopicResult
from tutorials.diagnostics.models import ItemType

from .helpers import RIGHT, Cast, open_campaign


def _graded(cast: Cast, points: str) -> tuple[Attempt, AttemptItem]:
    campaign = open_campaign(cast, threshold=60)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    for kind, version in cast.versions.items():
        services.answer_save(
            attempt_id=attempt.pk, user=cast.user("teacher"), version_id=version.pk, response=RIGHT[kind]
        )
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    item = AttemptItem.objects.get(attempt=attempt, needs_grading=True)
    services.answer_grade(attempt_item_id=item.pk, membership=cast.tutor, points=points)
    return attempt, item


def _topic_31(attempt: Attempt) -> tuple[Decimal, Decimal]:
    result = TopicResult.objects.get(attempt=attempt, topic__code="3.1")
    return result.earned, result.possible


def test_a_corrected_grade_recomputes_the_final_result_and_its_deficits(cast: Cast) -> None:
    attempt, item = _graded(cast, "0")  # a slip: the tutor meant 3
    attempt.refresh_from_db()
    assert attempt.score == Decimal("5.00") and _topic_31(attempt) == (Decimal("0.00"), Decimal("3.00"))
    assert any(
        d.topic_code == "3.1" for d in selectors.deficits_for(cast.user("teacher").pk, attempt.campaign)
    )
    services.answer_regrade(
        attempt_item_id=item.pk, membership=cast.methodologist, points="3", comment="Верно"
    )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINAL and attempt.score == Decimal("8.00")
    assert _topic_31(attempt) == (Decimal("3.00"), Decimal("3.00"))
    assert not any(
        d.topic_code == "3.1" for d in selectors.deficits_for(cast.user("teacher").pk, attempt.campaign)
    )
    event = AuditEvent.objects.get(action="diagnostics.answer_regrade")
    assert (event.data["before"], event.data["after"]) == ("0.00", "3.00")


def test_only_methodologists_correct_and_only_a_persons_grade(cast: Cast) -> None:
    attempt, item = _graded(cast, "1")
    for who in (cast.tutor, cast.other_tutor, cast.teacher, cast.admin_a):
        with pytest.raises(CampaignPermissionError):
            services.answer_regrade(attempt_item_id=item.pk, membership=who, points="3")
    automatic = AttemptItem.objects.get(attempt=attempt, version=cast.versions[ItemType.SINGLE])
    with pytest.raises(GradeInvalidError, match="by a person"):
        services.answer_regrade(attempt_item_id=automatic.pk, membership=cast.methodologist, points="0")
    with pytest.raises(GradeInvalidError):
        services.answer_regrade(attempt_item_id=item.pk, membership=cast.methodologist, points="9")
    item.refresh_from_db()
    assert item.points == Decimal("1.00")


def test_the_grade_page_corrects_for_a_methodologist_and_refuses_a_tutor(cast: Cast) -> None:
    attempt, item = _graded(cast, "1")
    host = cast.district.host(cast.district.centre)
    methodologist = client_for(cast.user("methodologist"), host)
    result = methodologist.get(f"/diagnostics/attempts/{attempt.pk}/result/").content.decode()
    assert f"/diagnostics/grading/{item.pk}/" in result
    page = methodologist.get(f"/diagnostics/grading/{item.pk}/").content.decode()
    assert 'id="correcting"' in page
    assert methodologist.post(f"/diagnostics/grading/{item.pk}/", {"points": "2"}).status_code == 302
    item.refresh_from_db()
    assert item.points == Decimal("2.00")
    assert (
        client_for(cast.user("tutor"), host)
        .post(f"/diagnostics/grading/{item.pk}/", {"points": "3"})
        .status_code
        == 403
    )
    item.refresh_from_db()
    assert item.points == Decimal("2.00")


def test_the_grade_api_corrects_for_a_methodologist_and_is_a_409_for_a_tutor(cast: Cast) -> None:
    _attempt, item = _graded(cast, "1")
    host = cast.district.host(cast.district.centre)
    url = f"/api/diagnostics/grading/{item.pk}/"
    tutor = client_for(cast.user("tutor"), host).post(url, {"points": "3"}, content_type="application/json")
    assert tutor.status_code == 409
    corrected = client_for(cast.user("methodologist"), host).post(
        url, {"points": "3"}, content_type="application/json"
    )
    assert corrected.status_code == 204
    item.refresh_from_db()
    assert item.points == Decimal("3.00")
