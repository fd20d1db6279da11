"""Rebuild the default ИОМ template, ``iom.docx`` beside this file, with python-docx.

    .venv/bin/python -m tutorials.routes.templates_docx.build

The template is a plain Word file with docxtpl (Jinja) tags; a centre replaces it by a copy
edited in Word (see README, "Professional routes" → the ИОМ document).  The fields it may use
are listed in ``tutorials/routes/document.py`` (``context``).  Tags that loop over table rows
(``{%tr … %}``) and paragraphs (``{%p … %}``) must each stay alone in their cell or paragraph.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
DEFAULT = HERE / "iom.docx"

COLUMNS = (
    ("Дефицит", "{{ item.deficit }}", 3.2),
    ("Задача", "{{ item.task }}", 4.0),
    ("Форма", "{{ item.form }}", 2.6),
    ("Срок", "{{ item.deadline }}", 2.2),
    ("Ожидаемый результат и форма отчёта", "{{ item.expected_result }}", 3.6),
    ("Отметка о выполнении", "{{ item.status }}", 2.4),
)


def build(path: Path = DEFAULT) -> Path:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"  # type: ignore[attr-defined]
    style.font.size = Pt(12)  # type: ignore[attr-defined]
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2)

    approval = document.add_paragraph(
        "УТВЕРЖДАЮ\nДиректор {{ school }}\n________________ / ________________ /"
    )
    approval.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = document.add_heading("Индивидуальный образовательный маршрут педагога", level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    year = document.add_paragraph("на {{ year }} учебный год")
    year.alignment = WD_ALIGN_PARAGRAPH.CENTER

    for label, field in (
        ("Педагог", "teacher"),
        ("Образовательная организация", "school"),
        ("Предмет", "subject"),
        ("Тьютор", "tutor"),
        ("Статус маршрута", "status"),
    ):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run("{{ " + field + " }}")

    document.add_heading("Профессиональные дефициты (по результатам диагностики)", level=2)
    document.add_paragraph("{%p for deficit in deficits %}")
    document.add_paragraph("{{ deficit }}", style="List Bullet")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p if not deficits %}")
    document.add_paragraph("Не выявлены.")
    document.add_paragraph("{%p endif %}")

    document.add_paragraph("{%p for section in sections %}")
    document.add_heading("{{ section.title }}", level=2)
    document.add_paragraph("{{ section.text }}")
    document.add_paragraph("{%p endfor %}")

    document.add_heading("План реализации маршрута", level=2)
    table = document.add_table(rows=4, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, (header, _value, width) in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = header
        cell.width = Cm(width)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    table.rows[1].cells[0].text = "{%tr for item in items %}"
    for cell, (_header, value, _width) in zip(table.rows[2].cells, COLUMNS, strict=True):
        cell.text = value
    table.rows[3].cells[0].text = "{%tr endfor %}"

    document.add_paragraph("")
    document.add_paragraph("Составлен: {{ today }}")
    for role in ("Педагог", "Тьютор", "Директор"):
        document.add_paragraph(
            f"{role}: ________________ / {{{{ signatures.{_key(role)} }}}} /    «___» ____________ 20___ г."
        )
    document.save(str(path))
    return path


def _key(role: str) -> str:
    return {"Педагог": "teacher", "Тьютор": "tutor", "Директор": "director"}[role]


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
