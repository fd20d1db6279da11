"""The demo's routes: the signed-in demo teachers have a route with the tutor (an active one
with stages, tasks, evidence and a discussion; one waiting for agreement), the tutor sees
what waits for an answer, and seeding again adds nothing."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants.demo import demo_district_seed
from tests.conftest import District
from tutorials.routes import comments, portfolio, selectors
from tutorials.routes.demo import demo_routes_seed
from tutorials.routes.models import Route, Status

pytestmark = pytest.mark.django_db


def test_the_demo_has_routes_comments_evidence_and_a_portfolio(district: District) -> None:
    demo = demo_district_seed()
    made = demo_routes_seed(demo.centre)
    assert len(made) == 2
    assert demo_routes_seed(demo.centre) == []
    teacher = User.objects.get(email="school1-teacher1@example.org")
    tutor = User.objects.get(email="tutor@example.org")
    with tenant_context(demo.centre):
        active = Route.objects.get(teacher=teacher)
        assert active.status == Status.ACTIVE and active.tutor_id == tutor.pk
        assert active.question and active.goal and active.resources
        loaded = selectors.route_page(active.pk)
        assert loaded is not None
        page = selectors.page_of(loaded)
        assert len(page.items) == 3 and len(page.overdue_ids) == 1
        found = portfolio.portfolio_of(loaded)
        assert found.total == 2 and found.confirmed == 1
        assert len(comments.thread(active)) == 3
        waiting = Route.objects.get(teacher__email="school3-teacher2@example.org")
        assert waiting.status == Status.SUBMITTED
        assert [r.pk for r in comments.waiting_for_answer(tutor)] == [waiting.pk]
