"""The ИОМ document: rendered by docxtpl from the committed template (teacher, year,
deficits, the stages, the table of tasks), in Russian, and from a centre's own template
when one is put in ``ROUTES_DOCX_TEMPLATE_DIR``."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from django.db import connection
from django.test import override_settings
from docx import Document

from tests.conftest import client_for
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import services
from tutorials.routes.document import DEFAULT_TEMPLATE, route_docx
from tutorials.routes.models import Form, Route
from tutorials.routes.templates_docx.build import build

from .helpers import draft


def _text(document) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(p.text for p in document.paragraphs)


def _route_with_a_plan(cast: Cast) -> Route:
    """Two tasks on diagnosed deficits (one dropped), one of the teacher's own, two stages."""
    route = draft(cast, items=0)
    teacher = cast.user("teacher")
    for task, topic, form in (
        ("Разобрать уравнения с параметром", "2.1", Form.TUTORIAL),
        ("Построить графики функций", "3.1", Form.CONSULTATION),
        ("Провести открытый урок", None, Form.OPEN_LESSON),
    ):
        route.refresh_from_db()
        services.item_add(
            actor=teacher,
            route_id=route.pk,
            version=route.version,
            task=task,
            form=form,
            topic_id=cast.topics[topic].pk if topic else None,
            deficit=f"{topic} {cast.topics[topic].title}" if topic else "",
            deadline=date(2027, 3, 15),
            expected_result="Конспект урока",
        )
    dropped = route.items.get(task="Построить графики функций")
    services.item_update(actor=teacher, item_id=dropped.pk, version=dropped.version, status="dropped")
    route.refresh_from_db()
    services.route_update_sections(
        actor=teacher,
        route_id=route.pk,
        version=route.version,
        question="Как учить решать уравнения?",
        goal="Первая строка цели\nВторая строка цели",
    )
    return Route.objects.get(pk=route.pk)


def test_the_document_has_the_teacher_the_year_the_deficits_and_the_table(cast: Cast) -> None:
    route = _route_with_a_plan(cast)
    response = client_for(cast.user("teacher"), cast.district.host(cast.district.centre)).get(
        f"/routes/{route.pk}/docx/"
    )
    assert response.status_code == 200
    document = Document(BytesIO(response.content))
    text = _text(document)
    teacher = cast.user("teacher")
    assert "Индивидуальный образовательный маршрут педагога" in text
    assert f"Педагог: {teacher.get_full_name()}" in text
    assert f"на {cast.year.name} учебный год" in text
    assert f"Образовательная организация: {cast.district.school_a.name}" in text
    assert f"Тьютор: {cast.user('tutor').get_full_name()}" in text
    # The deficits, once each, in the plan's order; no template tag is left over.
    assert "2.1 Уравнения" in text and "3.1 Функции" in text
    assert "Не выявлены" not in text and "{%" not in text and "{{" not in text
    # The stages, a multi-line one kept on its lines.
    assert "Как учить решать уравнения?" in text
    assert "Первая строка цели" in text and "Вторая строка цели" in text
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Дефицит", "Задача", "Форма"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    same = ["15.03.2027", "Конспект урока"]
    # Russian labels, even though the test runs in English.
    assert rows == [
        ["2.1 Уравнения", "Разобрать уравнения с параметром", "тьюториал", *same, "запланировано"],
        ["3.1 Функции", "Построить графики функций", "консультация", *same, "отклонено"],
        ["—", "Провести открытый урок", "открытый урок", *same, "запланировано"],
    ]
    for role in ("Педагог", "Тьютор", "Директор"):
        assert f"{role}: ________________ /" in text


def test_a_route_without_deficits_says_none_were_found(cast: Cast) -> None:
    route = draft(cast)
    document = Document(BytesIO(route_docx(route)))
    assert "Не выявлены." in _text(document)
    assert [[c.text for c in r.cells][1] for r in document.tables[0].rows[1:]] == ["Задача 1"]


def test_a_centres_own_template_replaces_the_default(cast: Cast, tmp_path: Path) -> None:
    route = draft(cast)
    own = Document()
    own.add_paragraph("ИОМ нашего центра: {{ teacher }}, {{ year }}")
    own.add_paragraph("{%p for item in items %}")
    own.add_paragraph("— {{ item.task }} ({{ item.form }})")
    own.add_paragraph("{%p endfor %}")
    own.save(str(tmp_path / "iom.docx"))
    with override_settings(ROUTES_DOCX_TEMPLATE_DIR=str(tmp_path)):
        text = _text(Document(BytesIO(route_docx(route))))
    assert f"ИОМ нашего центра: {cast.user('teacher').get_full_name()}, {cast.year.name}" in text
    assert "— Задача 1 (самообразование)" in text
    # A centre's own file (by its schema) comes before the installation's.
    mine = tmp_path / connection.schema_name  # type: ignore[attr-defined]
    mine.mkdir()
    only = Document()
    only.add_paragraph("Только для этого центра: {{ school }}")
    only.save(str(mine / "iom.docx"))
    with override_settings(ROUTES_DOCX_TEMPLATE_DIR=str(tmp_path)):
        text = _text(Document(BytesIO(route_docx(route))))
    assert text.strip() == f"Только для этого центра: {cast.district.school_a.name}"


def test_the_committed_template_is_what_the_build_script_makes(tmp_path: Path) -> None:
    def content(path: Path) -> list[str]:
        document = Document(str(path))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return [p.text for p in document.paragraphs] + cells

    assert content(build(tmp_path / "iom.docx")) == content(DEFAULT_TEMPLATE)
