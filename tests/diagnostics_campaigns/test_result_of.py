"""The result page's selector gives the topic lines and the deficits the public selectors give,
in a bounded number of queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tutorials.diagnostics.campaigns import selectors
from tutorials.diagnostics.campaigns.models import Attempt
from tutorials.diagnostics.models import ItemType

from .helpers import RIGHT, WRONG, Cast, open_campaign
from .test_results import _take


def test_result_of_is_topic_lines_and_deficits_for_in_three_queries(cast: Cast) -> None:
    campaign = open_campaign(cast, threshold=60)
    answers = {**RIGHT, ItemType.SHORT: WRONG[ItemType.SHORT], ItemType.EXTENDED: WRONG[ItemType.EXTENDED]}
    # A declared difficulty with a topic the test did not touch and with a competence block too.
    attempt = _take(
        cast, campaign, "teacher", answers, levels={"Решение уравнений": 2, "Нормативные документы ГИА": 1}
    )
    assert attempt.status == Attempt.Status.FINAL
    attempt = Attempt.objects.select_related("campaign").get(pk=attempt.pk)
    with CaptureQueriesContext(connection) as queries:
        lines, deficits = selectors.result_of(attempt)
    assert len(queries) <= 3
    assert lines == selectors.topic_lines(attempt)
    assert deficits == selectors.deficits_for(attempt.teacher_id, attempt.campaign)
    assert {d.topic_code or d.competence_block for d in deficits} == {"2.1", "3.1", "normative"}
    assert [line.topic.code for line in lines] == ["1.1", "1.2", "2.1", "3.1"]
