"""The methodologist's page that proposes routes once a campaign's results are final: one by
one or for all selected, idempotent (never two drafts, never a task twice), and two
methodologists proposing at the same moment."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from accounts.models import Role
from tests.conftest import District, client_for, member
from tests.diagnostics_campaigns.helpers import WRONG, Cast, make_cast
from tests.diagnostics_campaigns.test_results import _take
from tutorials.diagnostics.campaigns.models import Campaign
from tutorials.routes import proposing
from tutorials.routes.models import PlanItem, Route, Status

from .helpers import step
from .results import district_results, final_campaign


def _client(cast: Cast, who: str):  # type: ignore[no-untyped-def]
    return client_for(cast.user(who), cast.district.host(cast.district.centre))


def test_the_page_lists_teachers_with_deficits_and_proposes_for_the_selected(cast: Cast) -> None:
    campaign = district_results(cast)
    client = _client(cast, "methodologist")
    assert f"/routes/propose/{campaign.pk}/" in client.get("/routes/propose/").content.decode()
    page = client.get(f"/routes/propose/{campaign.pk}/").content.decode()
    for who in ("teacher", "teacher2", "teacher_b"):
        assert cast.user(who).last_name in page, who
    chosen = [cast.user("teacher").pk, cast.user("teacher_b").pk]
    response = client.post(f"/routes/propose/{campaign.pk}/do/", {"teacher": chosen}, follow=True)
    assert "Предложено маршрутов: 2" in response.content.decode()
    routes = Route.objects.filter(campaign_id=campaign.pk)
    assert {r.teacher_id for r in routes} == set(chosen)
    assert all(r.status == Status.DRAFT for r in routes)
    teacher_route = routes.get(teacher=cast.user("teacher"))
    assert teacher_route.items.filter(proposal=PlanItem.Proposal.PROPOSED).count() == 4
    # One by one: the row's own button.
    client.post(f"/routes/propose/{campaign.pk}/do/", {"teacher": cast.user("teacher2").pk})
    assert Route.objects.get(teacher=cast.user("teacher2")).items.count() == 2


def test_proposing_again_adds_nothing(cast: Cast) -> None:
    campaign = district_results(cast)
    methodologist = cast.user("methodologist")
    teacher = cast.user("teacher")
    first = proposing.propose_for(actor=methodologist, campaign_id=campaign.pk, teacher_ids=[teacher.pk])
    again = proposing.propose_for(
        actor=methodologist, campaign_id=campaign.pk, teacher_ids=[teacher.pk, teacher.pk]
    )
    assert [o.added for o in first] == [4] and [o.added for o in again] == [0]
    assert Route.objects.filter(teacher=teacher).count() == 1
    # Into the teacher's own draft, started before: the proposals join it.
    own = Route.objects.get(teacher=teacher)
    assert own.items.count() == 4


def test_a_route_already_sent_on_is_named_and_the_others_still_proposed(cast: Cast) -> None:
    campaign = district_results(cast)
    methodologist = cast.user("methodologist")
    proposing.propose_for(actor=methodologist, campaign_id=campaign.pk, teacher_ids=[cast.user("teacher").pk])
    route = Route.objects.get(teacher=cast.user("teacher"))
    from tutorials.routes import services

    services.route_set_tutor(
        actor=cast.user("teacher"), route_id=route.pk, version=route.version, tutor=cast.user("tutor")
    )
    for item in route.items.all():
        services.item_decide(actor=cast.user("teacher"), item_id=item.pk, version=item.version, accept=True)
    step(route, cast.user("teacher"), Status.SUBMITTED)
    outcomes = proposing.propose_for(
        actor=methodologist,
        campaign_id=campaign.pk,
        teacher_ids=[cast.user("teacher").pk, cast.user("teacher_b").pk, cast.user("physics_teacher").pk],
    )
    refused = {o.teacher_id: o.refused for o in outcomes}
    assert "already been sent on" in refused[cast.user("teacher").pk]
    assert refused[cast.user("teacher_b").pk] == ""
    assert "no deficits" in refused[cast.user("physics_teacher").pk]
    assert Route.objects.filter(teacher=cast.user("teacher_b")).exists()
    assert not Route.objects.filter(teacher=cast.user("physics_teacher")).exists()


def test_not_before_the_results_are_final_and_only_by_a_methodologist(cast: Cast) -> None:
    open_one = district_results(cast, close=False)
    client = _client(cast, "methodologist")
    assert f"/routes/propose/{open_one.pk}/" not in client.get("/routes/propose/").content.decode()
    page = client.get(f"/routes/propose/{open_one.pk}/").content.decode()
    assert "ещё не окончательны" in page
    client.post(f"/routes/propose/{open_one.pk}/do/", {"teacher": cast.user("teacher").pk})
    assert not Route.objects.filter(teacher=cast.user("teacher")).exists()
    final = final_campaign(cast, {})
    for who in ("teacher", "tutor", "admin_a"):
        assert _client(cast, who).get(f"/routes/propose/{final.pk}/").status_code == 403, who
        _client(cast, who).post(f"/routes/propose/{final.pk}/do/", {"teacher": cast.user("teacher").pk})
    assert not Route.objects.filter(teacher=cast.user("teacher")).exists()
    assert client.get("/routes/propose/987654/").status_code == 404


def test_the_page_queries_do_not_grow_with_teachers(cast: Cast) -> None:
    campaign = final_campaign(cast, {"teacher": WRONG}, close=False)
    client = _client(cast, "methodologist")

    def closed() -> None:
        Campaign.objects.filter(pk=campaign.pk).update(closes_at=timezone.now())

    closed()
    client.get(f"/routes/propose/{campaign.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/routes/propose/{campaign.pk}/")
    Campaign.objects.filter(pk=campaign.pk).update(closes_at=timezone.now() + timedelta(hours=1))
    campaign.refresh_from_db()
    _take(cast, campaign, "teacher2", WRONG)
    _take(cast, campaign, "teacher_b", WRONG)
    closed()
    proposing.propose_for(
        actor=cast.user("methodologist"), campaign_id=campaign.pk, teacher_ids=[cast.user("teacher_b").pk]
    )
    with CaptureQueriesContext(connection) as more:
        page = client.get(f"/routes/propose/{campaign.pk}/").content.decode()
    assert page.count('name="teacher" value=') == 6  # a checkbox and a button per teacher
    assert len(more) == len(few)


# --- two methodologists at once (committed data, one connection per thread) ---------------


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def test_two_methodologists_proposing_at_once_make_one_draft(district: District, committed_db: None) -> None:
    with tenant_context(district.centre), translation.override("en"):
        cast = make_cast(district)
        campaign = district_results(cast)
        second = member(district.centre, Role.METHODOLOGIST).user
    teacher = cast.user("teacher")
    results: dict[str, Any] = {}

    def run(name: str, actor: Any) -> None:
        try:
            with tenant_context(district.centre), translation.override("en"):
                results[name] = proposing.propose_for(
                    actor=actor, campaign_id=campaign.pk, teacher_ids=[teacher.pk]
                )
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            results[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(name, actor))
        for name, actor in (("first", cast.user("methodologist")), ("second", second))
    ]
    with tenant_context(district.centre):
        # Both reach the INSERT of the draft while this thread holds the same (teacher, year) key;
        # then this one rolls back and they race for it.
        with transaction.atomic():
            Route.objects.create(
                teacher=teacher, school=district.school_a, academic_year=campaign.academic_year
            )
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 30
            while _waiting_on_locks() < len(threads):
                assert time.monotonic() < deadline, f"the proposals never met at the lock: {results}"
                time.sleep(0.02)
            transaction.set_rollback(True)
        for thread in threads:
            thread.join(60)
        routes = Route.objects.filter(teacher=teacher, academic_year=campaign.academic_year)
        try:
            assert not any(isinstance(r, Exception) for r in results.values()), results
            added = sorted(o.added for r in results.values() for o in r)
            assert added == [0, 4]
            assert routes.count() == 1
            assert routes.get().items.count() == 4
        finally:
            # Committed: the route would show in other tests' lists of school A's routes.
            routes.delete()
