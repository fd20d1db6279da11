"""The portfolio (evidence by task, counts, what the diagnostics showed), its DOCX and PDF
exports and the route's PDF: opened and read; who may download them (across schools); the
page's query count does not grow with the evidence."""

from __future__ import annotations

from io import BytesIO

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from pypdf import PdfReader

from tests.conftest import client_for
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import pdf, portfolio, selectors, services
from tutorials.routes.models import Evidence, Route

from .helpers import approved, draft


def _text_of_pdf(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _text_of_docx(content: bytes) -> str:
    document = Document(BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _story(cast: Cast) -> Route:
    """An approved route with two tasks, evidence on the first, one beyond the plan, one confirmed."""
    route = approved(cast)
    teacher, tutor = cast.user("teacher"), cast.user("tutor")
    first = route.items.get()
    services.item_update(
        actor=teacher,
        item_id=first.pk,
        version=first.version,
        task="Освоить методику решения задач на дроби",
        deficit="1.2 Дроби",
        expected_result="Открытый урок",
    )
    route.refresh_from_db()
    services.item_add(
        actor=teacher, route_id=route.pk, version=route.version, task="Пройти КПК", form="course"
    )
    services.route_update_sections(
        actor=teacher,
        route_id=route.pk,
        version=Route.objects.get(pk=route.pk).version,
        presentation="Выступление на августовском совещании",
        reflection="На следующий год — функции",
    )
    link = services.evidence_add(
        actor=teacher,
        route_id=route.pk,
        kind=Evidence.Kind.LINK,
        title="Конспект открытого урока",
        url="https://school1.example/urok",
        item_id=first.pk,
    )
    services.evidence_confirm(actor=tutor, evidence_id=link.pk, comment="Хороший урок")
    services.evidence_add(
        actor=teacher, route_id=route.pk, kind=Evidence.Kind.NOTE, title="Прочитала сборник"
    )
    return route


def _loaded(route: Route) -> Route:
    loaded = selectors.route_page(route.pk)
    assert loaded is not None
    return loaded


def test_the_portfolio_groups_evidence_by_task(cast: Cast) -> None:
    route = _story(cast)
    found = portfolio.portfolio_of(_loaded(route))
    assert [g.title for g in found.groups] == [
        "1. Освоить методику решения задач на дроби",
        "2. Пройти КПК",
        "Beyond the plan",
    ]
    assert [e.title for e in found.groups[0].evidence] == ["Конспект открытого урока"]
    assert found.groups[1].evidence == [] and found.groups[1].lines() == ["No evidence yet."]
    assert "1.2 Дроби" in found.groups[0].subtitle
    assert found.counts == [("Own files, links and notes", 2)]
    assert (found.total, found.confirmed) == (2, 1)
    assert [stage for stage, _text in found.closing] == ["Presentation", "Reflection and correction"]


def test_the_portfolio_exports_hold_what_the_teacher_did(cast: Cast) -> None:
    route = _story(cast)
    host = cast.district.host(cast.district.centre)
    client = client_for(cast.user("teacher"), host)
    docx = client.get(f"/routes/{route.pk}/portfolio/docx/")
    assert docx.status_code == 200 and docx["Content-Disposition"].endswith(f'portfolio-{route.pk}.docx"')
    pdf_response = client.get(f"/routes/{route.pk}/portfolio/pdf/")
    assert pdf_response.status_code == 200 and pdf_response["Content-Type"] == "application/pdf"
    teacher = cast.user("teacher").get_full_name()
    with translation.override("ru"):  # the pages (and the files) speak Russian first
        words = [_(w) for w in ("Portfolio of a teacher", "Beyond the plan", "Own files, links and notes")]
        confirmed = _("confirmed by the tutor")
    for text in (_text_of_docx(docx.content), _text_of_pdf(pdf_response.content)):
        flat = " ".join(text.split())
        for expected in (
            words[0],
            teacher,
            route.school.name,
            "1. Освоить методику решения задач на дроби",
            "Конспект открытого урока",
            f"{confirmed}: Хороший урок",
            "2. Пройти КПК",
            words[1],
            "Прочитала сборник",
            f"{words[2]}: 2",
            "Выступление на августовском совещании",
        ):
            assert expected in flat, expected


def test_the_route_pdf_has_the_title_the_people_the_plan_and_the_signatures(cast: Cast) -> None:
    route = _story(cast)
    response = client_for(cast.user("admin_a"), cast.district.host(cast.district.centre)).get(
        f"/routes/{route.pk}/pdf/"
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    flat = " ".join(_text_of_pdf(response.content).split())
    with translation.override("ru"):
        title, course, director, tutor = (
            _(w) for w in ("Individual educational route of a teacher", "course (КПК)", "Director", "Tutor")
        )
    assert title == "Индивидуальный образовательный маршрут педагога"
    for expected in (
        title,
        cast.user("teacher").get_full_name(),
        cast.user("tutor").get_full_name(),
        route.school.name,
        "2026/2027",
        "Освоить методику решения задач на дроби",
        "Открытый урок",
        course,
        f"{director}:",
        f"{tutor}:",
    ):
        assert expected in flat, expected


def test_the_pdf_follows_the_language(cast: Cast) -> None:
    route = _story(cast)
    flat = " ".join(_text_of_pdf(pdf.route_pdf(_loaded(route))).split())
    assert "Individual educational route of a teacher" in flat and "Director:" in flat


def test_only_those_who_see_the_route_get_its_files(cast: Cast) -> None:
    route = draft(cast)
    host = cast.district.host(cast.district.centre)
    paths = [f"/routes/{route.pk}/{p}" for p in ("portfolio/", "portfolio/docx/", "portfolio/pdf/", "pdf/")]
    for who in ("teacher", "tutor", "admin_a", "methodologist"):
        client = client_for(cast.user(who), host)
        for path in paths:
            assert client.get(path).status_code == 200, (who, path)
    for who in ("teacher2", "teacher_b", "admin_b", "other_tutor"):
        client = client_for(cast.user(who), host)
        for path in paths:
            assert client.get(path).status_code == 404, (who, path)


def test_my_portfolio_leads_to_the_teachers_route(cast: Cast) -> None:
    route = draft(cast)
    host = cast.district.host(cast.district.centre)
    response = client_for(cast.user("teacher"), host).get("/routes/portfolio/")
    assert response.status_code == 302 and response["Location"] == f"/routes/{route.pk}/portfolio/"
    assert client_for(cast.user("teacher_b"), host).get("/routes/portfolio/")["Location"] == "/routes/"


def test_the_portfolio_page_queries_do_not_grow_with_evidence(
    cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    route = _story(cast)
    client = client_for(cast.user("tutor"), cast.district.host(cast.district.centre))
    with CaptureQueriesContext(connection) as few:
        page = client.get(f"/routes/{route.pk}/portfolio/").content.decode()
    assert "Конспект открытого урока" in page and "Хороший урок" in page
    for n in range(10):
        services.evidence_add(
            actor=cast.user("teacher"),
            route_id=route.pk,
            kind=Evidence.Kind.NOTE,
            title=f"Заметка {n}",
            item_id=route.items.order_by("pk").first().pk,  # type: ignore[union-attr]
        )
    with django_assert_max_num_queries(len(few)):
        assert "Заметка 9" in client.get(f"/routes/{route.pk}/portfolio/").content.decode()
