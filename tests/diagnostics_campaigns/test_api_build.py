"""Building a campaign through the REST API (the same services as the wizard): a draft,
its questionnaire, a correction, publishing; refusals name their field; only the
organisation's methodologists build; every campaign operation is in the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.conftest import client_for
from tutorials.diagnostics.campaigns.models import Campaign, Question
from tutorials.diagnostics.models import ItemType

from .helpers import Cast, make_items

JSON = "application/json"


def _client(cast: Cast, who: str) -> Any:
    user = cast.user(who)
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user, cast.district.host(cast.district.centre))


def _body(cast: Cast, **changes: Any) -> dict[str, Any]:
    body = {
        "title": "Сентябрь через API",
        "academic_year_id": cast.year.pk,
        "subject_id": cast.subject.pk,
        "opens_at": (timezone.now() + timedelta(days=1)).isoformat(),
        "closes_at": (timezone.now() + timedelta(days=10)).isoformat(),
        "time_limit_minutes": 45,
        "version_ids": [v.pk for v in cast.versions.values()],
    }
    body.update(changes)
    return body


def test_a_methodologist_builds_corrects_and_publishes_a_campaign_through_the_api(cast: Cast) -> None:
    make_items(cast)
    client = _client(cast, "methodologist")
    made = client.post("/api/diagnostics/campaigns/", _body(cast), content_type=JSON)
    assert made.status_code == 201, made.content
    campaign_id = made.json()["id"]
    assert made.json()["version_ids"] == [v.pk for v in cast.versions.values()]
    assert made.json()["published_at"] is None
    question = client.post(
        f"/api/diagnostics/campaigns/{campaign_id}/questions/",
        {"kind": "scale", "text": "Решение уравнений", "topic_id": cast.topics["2.1"].pk},
        content_type=JSON,
    )
    assert question.status_code == 201 and question.json()["position"] == 1
    corrected = client.put(
        f"/api/diagnostics/campaigns/{campaign_id}/",
        _body(cast, title="Исправлено", version_ids=[cast.versions[ItemType.SHORT].pk]),
        content_type=JSON,
    )
    assert corrected.status_code == 200 and corrected.json()["version_ids"] == [
        cast.versions[ItemType.SHORT].pk
    ]
    published = client.post(f"/api/diagnostics/campaigns/{campaign_id}/publish/")
    assert published.status_code == 200 and published.json()["published_at"]
    late = client.put(
        f"/api/diagnostics/campaigns/{campaign_id}/", _body(cast, title="Ещё"), content_type=JSON
    )
    assert late.status_code == 400 and Campaign.objects.get(pk=campaign_id).title == "Исправлено"
    assert Question.objects.filter(campaign_id=campaign_id).count() == 1


def test_bad_campaigns_are_400s_naming_the_field_and_write_nothing(cast: Cast) -> None:
    make_items(cast)
    client = _client(cast, "methodologist")
    before = Campaign.objects.count()
    for changes, field in [
        ({"closes_at": timezone.now().isoformat()}, "closes_at"),
        ({"opens_at": "0001-01-01T00:00:00+03:00"}, "opens_at"),
        ({"version_ids": [999999]}, "version_ids"),
        ({"subject_id": 999999}, "subject_id"),
        ({"time_limit_minutes": 0}, "time_limit_minutes"),
        (
            {"form": "blueprint", "blueprint_topic_ids": [cast.topics["1.1"].pk], "per_topic": 9},
            "blueprint_topic_ids",
        ),
    ]:
        refused = client.post("/api/diagnostics/campaigns/", _body(cast, **changes), content_type=JSON)
        assert refused.status_code == 400, (changes, refused.content)
        assert field in refused.content.decode(), (field, refused.content)
    assert Campaign.objects.count() == before


def test_only_methodologists_build_campaigns_through_the_api(cast: Cast) -> None:
    make_items(cast)
    before = Campaign.objects.count()
    for who in ("tutor", "teacher", "admin_a"):
        response = _client(cast, who).post("/api/diagnostics/campaigns/", _body(cast), content_type=JSON)
        assert response.status_code == 403, who
    assert Campaign.objects.count() == before


def test_the_campaign_api_is_in_the_openapi_schema(cast: Cast) -> None:
    schema = _client(cast, "methodologist").get("/api/schema/").content.decode()
    for path in (
        "/api/diagnostics/campaigns/",
        "/api/diagnostics/campaigns/{campaign_id}/",
        "/api/diagnostics/campaigns/{campaign_id}/questions/",
        "/api/diagnostics/campaigns/{campaign_id}/publish/",
        "/api/diagnostics/campaigns/{campaign_id}/start/",
        "/api/diagnostics/campaigns/{campaign_id}/results/",
        "/api/diagnostics/attempts/{attempt_id}/answers/{version_id}/",
        "/api/diagnostics/attempts/{attempt_id}/submit/",
        "/api/diagnostics/attempts/{attempt_id}/result/",
        "/api/diagnostics/grading/{attempt_item_id}/",
    ):
        assert path in schema, path
    assert "diagnostics_campaign_create" in schema and "diagnostics_campaign_publish" in schema


def test_a_draft_and_its_questions_are_removed_through_the_api_and_a_published_one_never(cast: Cast) -> None:
    make_items(cast)
    client = _client(cast, "methodologist")
    campaign_id = client.post("/api/diagnostics/campaigns/", _body(cast), content_type=JSON).json()["id"]
    questions = f"/api/diagnostics/campaigns/{campaign_id}/questions/"
    first, second = (
        client.post(questions, {"kind": "text", "text": text}, content_type=JSON).json()["id"]
        for text in ("Что мешает?", "Что помогает?")
    )
    other_id = client.post("/api/diagnostics/campaigns/", _body(cast), content_type=JSON).json()["id"]
    # a question is removed only through its own campaign's address
    wrong = client.delete(f"/api/diagnostics/campaigns/{other_id}/questions/{first}/")
    assert wrong.status_code == 400 and Question.objects.filter(pk=first).exists()
    tutor = _client(cast, "tutor")
    assert tutor.delete(f"{questions}{first}/").status_code == 403
    assert tutor.delete(f"/api/diagnostics/campaigns/{other_id}/").status_code == 403
    assert client.delete(f"{questions}{first}/").status_code == 204
    assert list(Question.objects.filter(campaign_id=campaign_id).values_list("pk", "position")) == [
        (second, 1)
    ]
    assert client.delete(f"/api/diagnostics/campaigns/{other_id}/").status_code == 204
    assert not Campaign.objects.filter(pk=other_id).exists()
    assert client.post(f"/api/diagnostics/campaigns/{campaign_id}/publish/").status_code == 200
    refused = client.delete(f"/api/diagnostics/campaigns/{campaign_id}/")
    assert refused.status_code == 400 and Campaign.objects.filter(pk=campaign_id).exists()
