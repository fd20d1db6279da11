"""The ИОМ as a Word document (python-docx): title block, teacher, school, subject,
year, the table of tasks / forms / deadlines / results, and signature lines."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document

from .models import Route, section_label


def route_docx(route: Route) -> bytes:
    document = Document()
    document.add_heading(_("Individual educational route of a teacher"), level=1)
    teacher = route.teacher
    rows = [
        (_("Teacher"), teacher.get_full_name() or teacher.email),
        (_("School"), route.school.name),
        (_("Subject"), str(route.subject) if route.subject else "—"),
        (_("Academic year"), route.academic_year.name),
        (_("Tutor"), route.tutor.get_full_name() if route.tutor else "—"),
        (_("Status"), route.get_status_display()),
    ]
    for label, value in rows:
        document.add_paragraph(f"{label}: {value}")
    for field in ("interest", "question", "goal", "resources", "presentation", "reflection"):
        text = getattr(route, field)
        if text:
            document.add_heading(section_label(field).capitalize(), level=2)
            document.add_paragraph(text)
    document.add_heading(_("Plan"), level=2)
    items = [i for i in route.items.all() if i.proposal != i.Proposal.DROPPED]
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    headers = (
        _("Deficit"),
        pgettext("route plan", "Task"),
        _("Form"),
        _("Deadline"),
        _("Expected result"),
        _("Status"),
    )
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
    for item in items:
        cells = table.add_row().cells
        values = (
            item.deficit or (item.topic.title if item.topic else "—"),
            item.task,
            item.get_form_display(),
            item.deadline.strftime("%d.%m.%Y") if item.deadline else "—",
            item.expected_result or "—",
            item.get_status_display(),
        )
        for cell, text in zip(cells, values, strict=True):
            cell.text = str(text)
    document.add_paragraph("")
    for role in (_("Teacher"), _("Tutor"), _("Director")):
        document.add_paragraph(f"{role}: ____________________ / ____________________ /  «___» ________ 20__")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
