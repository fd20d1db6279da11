"""The route's discussion: who reads and writes (across schools), notifications to the other
participants, bad input, a completed route's closed thread, the page section and the API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from notifications.models import Kind, Notification
from tests.conftest import client_for
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import comments
from tutorials.routes.models import RouteComment, Status
from tutornet.errors import NotFoundError, TutornetError

from .helpers import approved, draft, step

CENTRE = "centre.localhost"


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient(HTTP_HOST=CENTRE)
    client.force_authenticate(user)
    return client


def _notified(kind: str = Kind.ROUTE_COMMENT) -> list[int]:
    """Who was told, among this test's routes (rows of committed browser tests are left out)."""
    routes = RouteComment.objects.values_list("route_id", flat=True).distinct()
    links = [f"/routes/{pk}/#comments" for pk in routes]
    rows = Notification.objects.filter(kind=kind).values_list("recipient_id", "link")
    return sorted(r for r, link in rows if any(link.endswith(x) for x in links))


def test_the_participants_read_and_write_and_the_others_are_told(cast: Cast) -> None:
    route = draft(cast)
    teacher, tutor, admin = cast.user("teacher"), cast.user("tutor"), cast.user("admin_a")
    comments.comment_add(actor=teacher, route_id=route.pk, text="Посмотрите, пожалуйста, цель.")
    assert _notified() == [tutor.pk]
    comments.comment_add(actor=admin, route_id=route.pk, text="Школа поддерживает стажировку.")
    assert _notified() == sorted([tutor.pk, teacher.pk, tutor.pk])
    Notification.objects.all().delete()
    methodologist = cast.user("methodologist")
    comments.comment_add(actor=methodologist, route_id=route.pk, text="Добавьте КПК.")
    # Everyone who took part (the admin wrote before) hears of it; the author does not.
    assert _notified() == sorted([teacher.pk, tutor.pk, admin.pk])
    note = Notification.objects.get(recipient=teacher)
    assert "Добавьте КПК." in note.body and note.link.endswith(f"/routes/{route.pk}/#comments")
    assert [c.text for c in comments.comments_for(actor=tutor, route_id=route.pk)] == [
        "Посмотрите, пожалуйста, цель.",
        "Школа поддерживает стажировку.",
        "Добавьте КПК.",
    ]


def test_who_may_not_see_the_route_neither_reads_nor_writes(cast: Cast) -> None:
    route = draft(cast)
    comments.comment_add(actor=cast.user("teacher"), route_id=route.pk, text="Вопрос тьютору")
    for who in ("teacher2", "teacher_b", "other_tutor", "admin_b"):
        with pytest.raises(NotFoundError):
            comments.comments_for(actor=cast.user(who), route_id=route.pk)
        with pytest.raises(NotFoundError):
            comments.comment_add(actor=cast.user(who), route_id=route.pk, text="Чужой комментарий")
    assert RouteComment.objects.filter(route=route).count() == 1


def test_a_recipient_who_lost_sight_of_the_route_is_not_told(cast: Cast) -> None:
    route = draft(cast)
    comments.comment_add(actor=cast.user("tutor"), route_id=route.pk, text="Начнём с дробей")
    # The tutor is replaced: the old one no longer sees the route, so hears nothing of it.
    from tutorials.routes import services

    route.refresh_from_db()
    services.route_set_tutor(actor=cast.user("teacher"), route_id=route.pk, version=route.version, tutor=None)
    Notification.objects.all().delete()
    comments.comment_add(actor=cast.user("teacher"), route_id=route.pk, text="Кто теперь мой тьютор?")
    assert _notified() == []


def test_bad_input_and_a_completed_route_write_nothing(cast: Cast) -> None:
    route = draft(cast)
    other = draft(cast, "teacher2")
    teacher = cast.user("teacher")
    with pytest.raises(TutornetError, match="Write the comment") as caught:
        comments.comment_add(actor=teacher, route_id=route.pk, text="   ")
    assert caught.value.field == "text"
    with pytest.raises(TutornetError, match="at most 5000"):
        comments.comment_add(actor=teacher, route_id=route.pk, text="я" * 5001)
    with pytest.raises(TutornetError, match="no such task"):
        comments.comment_add(
            actor=teacher, route_id=route.pk, text="Про чужую задачу", item_id=other.items.get().pk
        )
    route = approved(cast, "teacher_b")
    step(route, cast.user("teacher_b"), Status.ACTIVE)
    step(route, cast.user("tutor"), Status.COMPLETED)
    with pytest.raises(TutornetError, match="discussion is closed"):
        comments.comment_add(actor=cast.user("teacher_b"), route_id=route.pk, text="Поздно")
    assert not RouteComment.objects.exists()
    assert not Notification.objects.filter(recipient__in=[teacher, cast.user("tutor")]).exists()


def test_the_tutor_sees_the_comments_waiting_for_an_answer(cast: Cast) -> None:
    asked = draft(cast)
    answered = draft(cast, "teacher2")
    draft(cast, "teacher_b")  # no comments: nothing waits
    comments.comment_add(actor=cast.user("teacher"), route_id=asked.pk, text="Вопрос")
    comments.comment_add(actor=cast.user("teacher2"), route_id=answered.pk, text="Вопрос")
    comments.comment_add(actor=cast.user("tutor"), route_id=answered.pk, text="Ответ")
    assert [r.pk for r in comments.waiting_for_answer(cast.user("tutor"))] == [asked.pk]
    assert list(comments.waiting_for_answer(cast.user("other_tutor"))) == []


def test_the_page_shows_the_thread_and_posts_to_it(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    route = draft(cast)
    host = cast.district.host(cast.district.centre)
    tutor = client_for(cast.user("tutor"), host)
    response = tutor.post(
        f"/routes/{route.pk}/comments/",
        {"text": "Уточните профессиональный вопрос", "item": route.items.get().pk},
    )
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    page = client_for(cast.user("teacher"), host).get(f"/routes/{route.pk}/").content.decode()
    assert (
        'id="comments"' in page and "Уточните профессиональный вопрос" in page and 'id="add-comment"' in page
    )
    # The thread costs the same queries whatever its length.
    with CaptureQueriesContext(connection) as few:
        tutor.get(f"/routes/{route.pk}/")
    for n in range(8):
        comments.comment_add(actor=cast.user("teacher"), route_id=route.pk, text=f"Комментарий {n}")
    with django_assert_max_num_queries(len(few)):
        assert tutor.get(f"/routes/{route.pk}/").status_code == 200
    outsider = client_for(cast.user("admin_b"), host)
    assert outsider.post(f"/routes/{route.pk}/comments/", {"text": "Я из другой школы"}).status_code == 404
    empty = tutor.post(f"/routes/{route.pk}/comments/", {"text": ""}, follow=True)
    assert "Напишите комментарий" in empty.content.decode()
    assert RouteComment.objects.filter(route=route).count() == 9


def test_the_api_reads_and_writes_the_thread(cast: Cast) -> None:
    route = draft(cast)
    created = _api(cast.user("teacher")).post(
        f"/api/routes/{route.pk}/comments/", {"text": "Через API"}, format="json"
    )
    assert created.status_code == 201 and created.json()["text"] == "Через API"
    listed = _api(cast.user("admin_a")).get(f"/api/routes/{route.pk}/comments/").json()
    assert [c["text"] for c in listed] == ["Через API"]
    assert _api(cast.user("admin_b")).get(f"/api/routes/{route.pk}/comments/").status_code == 404
    assert (
        _api(cast.user("teacher_b"))
        .post(f"/api/routes/{route.pk}/comments/", {"text": "x"}, format="json")
        .status_code
        == 404
    )
    blank = _api(cast.user("tutor")).post(f"/api/routes/{route.pk}/comments/", {"text": " "}, format="json")
    assert blank.status_code == 400 and "text" in blank.json()
    schema = _api(cast.user("teacher")).get("/api/schema/", {"format": "json"})
    assert "routes_comments_create" in schema.content.decode()


def test_the_tutors_list_shows_the_comments_waiting_for_an_answer(cast: Cast) -> None:
    asked = draft(cast)
    other = draft(cast, "teacher_b")
    comments.comment_add(actor=cast.user("teacher"), route_id=asked.pk, text="Вопрос тьютору")
    host = cast.district.host(cast.district.centre)
    page = client_for(cast.user("tutor"), host).get("/routes/").content.decode()
    assert 'id="unanswered"' in page and f"/routes/{asked.pk}/#comments" in page
    assert f"/routes/{other.pk}/#comments" not in page
    assert 'id="unanswered"' not in client_for(cast.user("teacher"), host).get("/routes/").content.decode()
