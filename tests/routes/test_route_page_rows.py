"""The route page's long lists (plan rows, evidence, comments), rendered in Python by
``tutorials.routes.page_rows``: what they show, the forms they carry, and everything a person
wrote escaped."""

from __future__ import annotations

from datetime import date

from django.utils.html import escape

from tests.conftest import client_for
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import comments, proposing, services
from tutorials.routes.models import PlanItem, Route

from .results import district_results


def test_the_rows_show_the_plan_the_evidence_and_the_thread_escaped(cast: Cast) -> None:
    campaign = district_results(cast)
    teacher, tutor = cast.user("teacher"), cast.user("tutor")
    proposing.propose_for(actor=cast.user("methodologist"), campaign_id=campaign.pk, teacher_ids=[teacher.pk])
    route = Route.objects.get(teacher=teacher)
    services.route_set_tutor(actor=teacher, route_id=route.pk, version=route.version, tutor=tutor)
    route.refresh_from_db()
    mine = services.item_add(
        actor=teacher,
        route_id=route.pk,
        version=route.version,
        task="<b>Открытый урок</b>",
        deadline=date(2020, 1, 1),
    )
    link = services.evidence_add(
        actor=teacher,
        route_id=route.pk,
        kind="link",
        title="<i>Курс</i>",
        url="https://example.org/?a=1&b=2",
        item_id=mine.pk,
    )
    services.evidence_add(actor=teacher, route_id=route.pk, kind="note", title="Итоги", note="<u>заметка</u>")
    comments.comment_add(
        actor=tutor, route_id=route.pk, text="Первая строка\nвторая <script>", item_id=mine.pk
    )

    page = client_for(tutor, cast.district.host(cast.district.centre)).get(f"/routes/{route.pk}/")
    html = page.content.decode()
    proposed = list(route.items.filter(proposal=PlanItem.Proposal.PROPOSED))
    assert len(proposed) == 4
    # The proposals: their why, their offers, an accept/drop form each with the page's CSRF field.
    for item in proposed:
        assert escape(item.why) in html
        assert f"<li>{escape(item.offers[-1]['title'])}</li>" in html
        assert f'action="/routes/{route.pk}/items/{item.pk}/decide/"' in html
    assert html.count('name="decision" value="accept"') == 4
    # The hand-written task: escaped, overdue, offered in the comment form.
    assert "&lt;b&gt;Открытый урок&lt;/b&gt;" in html and "<b>Открытый урок</b>" not in html
    assert html.count('<tr class="overdue">') == 1 and "01.01.2020" in html
    assert f'<option value="{mine.pk}">&lt;b&gt;Открытый урок&lt;/b&gt;</option>' in html
    # The evidence: the link escaped, the note, the tutor's «confirm» form.
    assert '<a href="https://example.org/?a=1&amp;b=2" rel="noopener">&lt;i&gt;Курс&lt;/i&gt;</a>' in html
    assert '<div class="muted">&lt;u&gt;заметка&lt;/u&gt;</div>' in html
    assert f'action="/routes/{route.pk}/evidence/{link.pk}/confirm/"' in html
    # The thread: line breaks kept, the text escaped, the task it is about.
    assert "Первая строка<br>вторая &lt;script&gt;" in html
    assert " · &lt;b&gt;Открытый урок&lt;/b&gt;</span>" in html
    forms = html.count('<form method="post"')
    assert html.count('name="csrfmiddlewaretoken"') == forms
