"""The pages: who sees which route (across schools), query counts that do not grow with
the number of items or routes, the DOCX opened and read."""

from __future__ import annotations

from io import BytesIO

from docx import Document

from tests.conftest import client_for
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import services
from tutorials.routes.models import Route, Status

from .helpers import approved, draft, step


def _get(cast: Cast, who: str, path: str):  # type: ignore[no-untyped-def]
    return client_for(cast.user(who), cast.district.host(cast.district.centre)).get(path)


def test_who_sees_a_route_page(cast: Cast) -> None:
    route = draft(cast)
    path = f"/routes/{route.pk}/"
    for who in ("teacher", "tutor", "admin_a", "methodologist"):
        assert _get(cast, who, path).status_code == 200, who
    for who in ("teacher2", "teacher_b", "other_tutor", "admin_b"):
        assert _get(cast, who, path).status_code == 404, who


def test_the_school_admin_lists_only_their_schools_routes_waiting(cast: Cast) -> None:
    mine = draft(cast)
    other = draft(cast, "teacher_b")
    for route, who in ((mine, "teacher"), (other, "teacher_b")):
        step(route, cast.user(who), Status.SUBMITTED)
        step(route, cast.user("tutor"), Status.AGREED)
    page = _get(cast, "admin_a", "/routes/").content.decode()
    assert f"/routes/{mine.pk}/" in page and f"/routes/{other.pk}/" not in page
    page_b = _get(cast, "admin_b", "/routes/").content.decode()
    assert f"/routes/{other.pk}/" in page_b and f"/routes/{mine.pk}/" not in page_b
    tutor_page = _get(cast, "tutor", "/routes/").content.decode()
    assert f"/routes/{mine.pk}/" in tutor_page and f"/routes/{other.pk}/" in tutor_page


def test_a_teacher_moves_their_route_by_the_page_and_a_stale_form_is_refused(cast: Cast) -> None:
    route = draft(cast)
    client = client_for(cast.user("teacher"), cast.district.host(cast.district.centre))
    stale = route.version
    client.post(f"/routes/{route.pk}/sections/", {"version": stale, "goal": "Освоить дроби"})
    response = client.post(f"/routes/{route.pk}/sections/", {"version": stale, "goal": "Другое"}, follow=True)
    assert "Пока вы редактировали, кто-то другой изменил" in response.content.decode()
    route.refresh_from_db()
    assert route.goal == "Освоить дроби"


def test_route_page_queries_do_not_grow_with_items(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    small = draft(cast, items=1)
    big = draft(cast, "teacher2", items=12)
    services.evidence_add(
        actor=cast.user("teacher2"), route_id=big.pk, kind="note", title="Заметка", note="…"
    )
    client = client_for(cast.user("methodologist"), cast.district.host(cast.district.centre))
    client.get(f"/routes/{small.pk}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(f"/routes/{small.pk}/")
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/routes/{big.pk}/").status_code == 200
    assert len(many) == len(few)
    with django_assert_max_num_queries(len(few)):
        client.get("/routes/")


def test_the_docx_has_the_title_the_people_and_the_plan(cast: Cast) -> None:
    route = approved(cast)
    response = _get(cast, "teacher", f"/routes/{route.pk}/docx/")
    assert response.status_code == 200
    document = Document(BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    # The teacher reads Russian pages: the document is in Russian too.
    assert "Индивидуальный образовательный маршрут педагога" in text
    assert cast.user("teacher").last_name in text
    assert cast.district.school_a.name in text
    assert cast.year.name in text
    assert "Директор: ____" in text
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Дефицит", "Задача", "Форма"]
    assert [c.text for c in table.rows[1].cells][1] == "Задача 1"
    assert len(table.rows) == 2
    assert _get(cast, "teacher_b", f"/routes/{route.pk}/docx/").status_code == 404


def test_the_list_page_queries_do_not_grow_with_routes(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    draft(cast)
    client = client_for(cast.user("methodologist"), cast.district.host(cast.district.centre))
    client.get("/routes/")
    with CaptureQueriesContext(connection) as few:
        client.get("/routes/")
    for who in ("teacher2", "teacher_b", "physics_teacher"):
        draft(cast, who, items=3)
    with CaptureQueriesContext(connection) as more:
        page = client.get("/routes/").content.decode()
    assert page.count('href="/routes/') >= 4
    assert len(more) == len(few)


def test_a_teacher_starts_a_route_and_fills_it_from_the_page(cast: Cast) -> None:
    from tenants.models import AcademicYear

    AcademicYear.objects.filter(pk=cast.year.pk).update(is_current=True)
    client = client_for(cast.user("teacher"), cast.district.host(cast.district.centre))
    assert "Начать мой маршрут" in client.get("/routes/").content.decode()
    response = client.post("/routes/start/")
    route = Route.objects.get(teacher=cast.user("teacher"))
    assert response["Location"] == f"/routes/{route.pk}/"
    assert (route.school_id, route.academic_year_id) == (cast.district.school_a.pk, cast.year.pk)
    client.post(
        f"/routes/{route.pk}/items/",
        {
            "version": route.version,
            "task": "Посетить открытый урок",
            "form": "open_lesson",
            "deadline": "2027-03-01",
        },
    )
    item = route.items.get()
    assert (item.task, item.form, str(item.deadline)) == (
        "Посетить открытый урок",
        "open_lesson",
        "2027-03-01",
    )
    page = client.post(
        f"/routes/{route.pk}/evidence/", {"kind": "link", "title": "Курсы", "url": "ftp://x"}, follow=True
    ).content.decode()
    assert "https://" in page and not route.evidence.exists()
    client.post(f"/routes/{route.pk}/evidence/", {"kind": "note", "title": "Самоанализ", "note": "Итоги"})
    assert list(route.evidence.values_list("kind", "title")) == [("note", "Самоанализ")]
    # Another school's teacher cannot add to it.
    other = client_for(cast.user("teacher_b"), cast.district.host(cast.district.centre))
    assert other.post(f"/routes/{route.pk}/evidence/", {"kind": "note", "title": "x"}).status_code == 404
