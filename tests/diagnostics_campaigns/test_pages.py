"""The pages and the REST API: what each person sees, the wizard, grading, the export,
bad input as clear 4xx answers, and bounded query counts on lists."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
from django.utils import timezone

from tests.conftest import client_for
from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.analysis import analysis_store
from tutorials.diagnostics.campaigns.models import Attempt, AttemptItem, Campaign
from tutorials.diagnostics.campaigns.tasks import analysis_refresh
from tutorials.diagnostics.models import ItemType

from .helpers import RIGHT, WRONG, Cast, make_items, open_campaign


def _client(cast: Cast, who: str):
    user = cast.user(who)
    if user.language != "en":
        user.language = "en"  # the assertions read the msgids
        user.save(update_fields=["language"])
    return client_for(user, cast.district.host(cast.district.centre))


def _finish(cast: Cast, campaign: Campaign, who: str, answers: dict) -> Attempt:
    membership = getattr(cast, who)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=membership)
    for kind, version in cast.versions.items():
        services.answer_save(
            attempt_id=attempt.pk, user=membership.user, version_id=version.pk, response=answers[kind]
        )
    services.attempt_submit(attempt_id=attempt.pk, user=membership.user)
    for item in AttemptItem.objects.filter(attempt=attempt, needs_grading=True):
        services.answer_grade(attempt_item_id=item.pk, membership=cast.tutor, points=1)
    attempt.refresh_from_db()
    return attempt


def test_a_teacher_starts_from_my_diagnostics_and_the_api_gives_no_key(cast: Cast) -> None:
    campaign = open_campaign(cast)
    client = _client(cast, "teacher")
    page = client.get("/diagnostics/my/")
    assert page.status_code == 200 and campaign.title in page.content.decode()
    started = client.post(f"/diagnostics/take/{campaign.pk}/")
    attempt = Attempt.objects.get(campaign=campaign, teacher=cast.user("teacher"))
    assert started.status_code == 302 and started["Location"].endswith(f"/diagnostics/attempts/{attempt.pk}/")
    test_page = client.get(started["Location"])
    assert test_page.status_code == 200
    assert f'data-api="/api/diagnostics/attempts/{attempt.pk}/"' in test_page.content.decode()
    assert "<script>" not in test_page.content.decode()  # no inline script (CSP)
    data = client.get(f"/api/diagnostics/attempts/{attempt.pk}/").json()
    assert [i["type"] for i in data["items"]] == ["single", "multiple", "short", "numeric", "extended"]
    body = str(data["items"])
    assert "correct" not in body and "answers" not in body and "rubric" not in body
    assert len(data["questionnaire"]) == 3 and data["server_now"]


def test_the_api_saves_answers_and_refuses_bad_ones_with_clear_codes(cast: Cast) -> None:
    campaign = open_campaign(cast)
    client = _client(cast, "teacher")
    attempt_id = client.post(f"/api/diagnostics/campaigns/{campaign.pk}/start/").json()["id"]
    single = cast.versions[ItemType.SINGLE].pk
    url = f"/api/diagnostics/attempts/{attempt_id}/answers/{single}/"
    saved = client.put(url, {"response": {"choice": "b"}}, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["saves"] == 1
    bad_choice = client.put(url, {"response": {"choice": "q"}}, content_type="application/json")
    assert bad_choice.status_code == 400
    not_mine = client.put(
        f"/api/diagnostics/attempts/{attempt_id}/answers/999999/",
        {"response": {}},
        content_type="application/json",
    )
    assert not_mine.status_code == 400 and not_mine.json()["code"] == "item_not_in_attempt"
    other = _client(cast, "teacher2").put(url, {"response": {"choice": "a"}}, content_type="application/json")
    assert other.status_code == 404
    submitted = client.post(f"/api/diagnostics/attempts/{attempt_id}/submit/")
    assert submitted.status_code == 200
    again = client.post(f"/api/diagnostics/attempts/{attempt_id}/submit/")
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"
    late = client.put(url, {"response": {"choice": "a"}}, content_type="application/json")
    assert late.status_code == 409
    assert Attempt.objects.get(pk=attempt_id).answers.get().response == {"choice": "b"}


def test_an_answer_after_the_deadline_is_a_409_through_the_api(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now, minutes=5)
    attempt = services.attempt_start(
        campaign_id=campaign.pk, membership=cast.teacher, now=now - timedelta(minutes=6)
    )
    response = _client(cast, "teacher").put(
        f"/api/diagnostics/attempts/{attempt.pk}/answers/{cast.versions[ItemType.SINGLE].pk}/",
        {"response": {"choice": "b"}},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "deadline_passed"
    assert not attempt.answers.exists()


def test_school_admins_see_only_their_schools_aggregates(cast: Cast) -> None:
    campaign = open_campaign(cast)
    _finish(cast, campaign, "teacher", RIGHT)
    _finish(cast, campaign, "teacher_b", WRONG)
    name_a = cast.user("teacher").get_full_name()
    api = f"/api/diagnostics/campaigns/{campaign.pk}/results/"
    as_a = _client(cast, "admin_a").get(api).json()
    assert as_a["took_part"] == 1 and "teachers" not in as_a
    assert {t["code"] for t in as_a["topics"]} == {"1.1", "1.2", "2.1", "3.1"}
    as_b = _client(cast, "admin_b").get(api).json()
    assert as_b["took_part"] == 1 and all(t["mean_percent"] < 50 for t in as_b["topics"])
    page_b = _client(cast, "admin_b").get(f"/diagnostics/campaigns/{campaign.pk}/results/").content.decode()
    assert name_a not in page_b
    page_a = _client(cast, "admin_a").get(f"/diagnostics/campaigns/{campaign.pk}/results/").content.decode()
    assert name_a not in page_a
    assert _client(cast, "teacher2").get(api).status_code == 403
    assert _client(cast, "teacher2").get(f"/diagnostics/campaigns/{campaign.pk}/results/").status_code == 403
    attempt_a = Attempt.objects.get(campaign=campaign, teacher=cast.user("teacher"))
    assert _client(cast, "admin_a").get(f"/diagnostics/attempts/{attempt_a.pk}/result/").status_code == 404
    assert (
        _client(cast, "admin_b").get(f"/api/diagnostics/attempts/{attempt_a.pk}/result/").status_code == 404
    )


def test_with_names_allowed_a_school_admin_sees_their_own_teachers_only(cast: Cast) -> None:
    campaign = open_campaign(cast, names=True)
    _finish(cast, campaign, "teacher", RIGHT)
    _finish(cast, campaign, "teacher_b", WRONG)
    as_a = _client(cast, "admin_a").get(f"/api/diagnostics/campaigns/{campaign.pk}/results/").json()
    assert [t["teacher"] for t in as_a["teachers"]] == [cast.user("teacher").get_full_name()]


def test_staff_see_individual_results_and_the_teacher_their_own(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = _finish(cast, campaign, "teacher", {**RIGHT, ItemType.SHORT: WRONG[ItemType.SHORT]})
    for who in ("methodologist", "tutor", "teacher"):
        page = _client(cast, who).get(f"/diagnostics/attempts/{attempt.pk}/result/")
        assert page.status_code == 200, who
        assert 'data-code="2.1"' in page.content.decode()
    own = _client(cast, "teacher").get(f"/diagnostics/attempts/{attempt.pk}/result/").content.decode()
    assert "The correct answers are shown after the campaign closes." in own
    for who in ("teacher2", "other_tutor"):
        assert _client(cast, who).get(f"/diagnostics/attempts/{attempt.pk}/result/").status_code == 404
    Campaign.objects.filter(pk=campaign.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    closed = _client(cast, "teacher").get(f"/diagnostics/attempts/{attempt.pk}/result/").content.decode()
    assert "Correct answer" in closed


def test_the_wizard_makes_a_draft_and_refuses_bad_input_writing_nothing(cast: Cast) -> None:
    versions = make_items(cast)
    client = _client(cast, "methodologist")
    form = {
        "title": "Диагностика по математике",
        "academic_year": cast.year.pk,
        "subject": cast.subject.pk,
        "opens_at": "2026-09-10T09:00",
        "closes_at": "2026-09-09T09:00",
        "time_limit_minutes": 45,
        "deficit_threshold": 60,
        "form": "fixed",
        "version_ids": [v.pk for v in versions.values()],
    }
    before = Campaign.objects.count()
    refused = client.post("/diagnostics/campaigns/new/", form)
    assert (
        refused.status_code == 200 and "The campaign must close after it opens." in refused.content.decode()
    )
    assert Campaign.objects.count() == before
    form["closes_at"] = "2026-09-20T18:00"
    made = client.post("/diagnostics/campaigns/new/", form)
    campaign = Campaign.objects.get(title="Диагностика по математике")
    assert made.status_code == 302 and campaign.published_at is None and campaign.items.count() == 5
    assert _client(cast, "tutor").get("/diagnostics/campaigns/new/").status_code == 403
    assert _client(cast, "teacher").post("/diagnostics/campaigns/new/", form).status_code == 403


def test_a_tutor_grades_from_the_queue_blind(cast: Cast) -> None:
    campaign = open_campaign(cast)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    services.answer_save(
        attempt_id=attempt.pk,
        user=cast.user("teacher"),
        version_id=cast.versions[ItemType.EXTENDED].pk,
        response={"text": "Парабола"},
    )
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    item = AttemptItem.objects.get(attempt=attempt, needs_grading=True)
    client = _client(cast, "tutor")
    queue = client.get("/diagnostics/grading/").content.decode()
    assert f"/diagnostics/grading/{item.pk}/" in queue
    page = client.get(f"/diagnostics/grading/{item.pk}/").content.decode()
    assert "Парабола" in page and "вершина в нуле" in page
    assert cast.user("teacher").last_name not in page and cast.district.school_a.short_name not in page
    assert _client(cast, "other_tutor").get(f"/diagnostics/grading/{item.pk}/").status_code == 403
    too_many = client.post(f"/diagnostics/grading/{item.pk}/", {"points": "7"})
    assert too_many.status_code == 200 and "Give from 0 to 3 points." in too_many.content.decode()
    assert (
        client.post(f"/diagnostics/grading/{item.pk}/", {"points": "2", "comment": "ok"}).status_code == 302
    )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.FINAL


def test_the_item_analysis_page_and_its_xlsx(cast: Cast) -> None:
    campaign = open_campaign(cast)
    _finish(cast, campaign, "teacher", RIGHT)
    _finish(cast, campaign, "teacher2", WRONG)
    assert analysis_refresh(campaign.pk) == 2  # the background job, run here
    client = _client(cast, "methodologist")
    page = client.get(f"/diagnostics/campaigns/{campaign.pk}/analysis/").content.decode()
    assert 'id="few-attempts"' in page and "Only 2 final attempts" in page
    export = client.get(f"/diagnostics/campaigns/{campaign.pk}/analysis.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("No.", "Item") and len(rows) == 6
    assert rows[1][1] == cast.versions[ItemType.SINGLE].item.name
    assert rows[1][5] == 50.0  # facility: one of two right
    assert "fewer than 5 attempts" in rows[1][10]
    assert client.get(f"/diagnostics/campaigns/{campaign.pk}/analysis/").status_code == 200
    assert _client(cast, "teacher").get(f"/diagnostics/campaigns/{campaign.pk}/analysis/").status_code == 403
    assert (
        _client(cast, "admin_a").get(f"/diagnostics/campaigns/{campaign.pk}/analysis.xlsx").status_code == 403
    )


def test_list_pages_and_endpoints_keep_their_query_counts(cast: Cast, django_assert_max_num_queries) -> None:
    campaigns = [open_campaign(cast) for _ in range(3)]
    for campaign in campaigns:
        _finish(cast, campaign, "teacher", RIGHT)
        _finish(cast, campaign, "teacher2", WRONG)
    analysis_store(campaigns[0].pk)
    staff = _client(cast, "methodologist")
    teacher = _client(cast, "teacher")
    tutor = _client(cast, "tutor")
    for client, url, limit in (
        (staff, "/diagnostics/campaigns/", 14),
        (staff, f"/diagnostics/campaigns/{campaigns[0].pk}/results/", 16),
        (staff, f"/diagnostics/campaigns/{campaigns[0].pk}/analysis/", 12),
        (teacher, "/diagnostics/my/", 14),
        (tutor, "/diagnostics/grading/", 12),
        (teacher, "/api/diagnostics/campaigns/", 12),
        (staff, f"/api/diagnostics/campaigns/{campaigns[0].pk}/results/", 14),
    ):
        client.get(url)  # warm the per-process caches (host, memberships)
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200, url


def test_the_dashboard_shows_the_teacher_an_open_campaign(cast: Cast) -> None:
    campaign = open_campaign(cast)
    page = _client(cast, "teacher").get("/").content.decode()
    assert 'id="panel-diagnostics"' in page and campaign.title in page


def test_the_dashboard_shows_methodologists_the_campaigns_and_tutors_what_to_grade(cast: Cast) -> None:
    campaign = open_campaign(cast)
    methodologist = _client(cast, "methodologist").get("/").content.decode()
    assert 'id="panel-diagnostics"' in methodologist and "/diagnostics/campaigns/" in methodologist
    assert 'id="panel-diagnostics"' not in _client(cast, "tutor").get("/").content.decode()
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    services.answer_save(
        attempt_id=attempt.pk,
        user=cast.user("teacher"),
        version_id=cast.versions[ItemType.EXTENDED].pk,
        response={"text": "Парабола"},
    )
    services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    assert "/diagnostics/grading/" in _client(cast, "tutor").get("/").content.decode()
