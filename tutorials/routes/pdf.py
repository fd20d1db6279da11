"""PDFs of professional routes with fpdf2 and the vendored DejaVu fonts (Cyrillic), made on
the server with nothing from the internet: the ИОМ (the same content as the DOCX: title
block, the people, the stages, the table of tasks / forms / deadlines / results, signature
lines) and the teacher's portfolio for the year (``portfolio.py`` gathers it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import SECTIONS, Route, section_label

if TYPE_CHECKING:
    from .portfolio import Portfolio

FONTS = Path(__file__).resolve().parents[2] / "platform" / "tutornet" / "fonts"


def _document(title: str, *, landscape: bool = False) -> Any:
    from fpdf import FPDF

    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Tutornet")
    pdf.set_creation_date(datetime(2000, 1, 1))  # reproducible bytes for the same content
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(14, 14, 14)
    pdf.add_page()
    return pdf


def _heading(pdf: Any, text: str, size: float = 12) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _paragraph(pdf: Any, text: str, size: float = 10) -> None:
    pdf.set_font("DejaVu", "", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


def _table(pdf: Any, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
    pdf.set_font("DejaVu", "", 8.5)
    with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=4.2) as table:
        header = table.row()
        for text in headers:
            header.cell(text)
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)


def people_rows(route: Route) -> list[tuple[str, str]]:
    teacher = route.teacher
    return [
        (_("Teacher"), teacher.get_full_name() or teacher.email),
        (_("School"), route.school.name),
        (_("Subject"), str(route.subject) if route.subject else "—"),
        (_("Academic year"), route.academic_year.name),
        (_("Tutor"), route.tutor.get_full_name() if route.tutor else "—"),
        (_("Status"), str(route.get_status_display())),
    ]


def plan_rows(route: Route) -> tuple[list[str], list[list[str]]]:
    """The plan table, as the DOCX has it: the tasks not dropped, in order."""
    headers = [
        str(_("Deficit")),
        str(pgettext("route plan", "Task")),
        str(_("Form")),
        str(_("Deadline")),
        str(_("Expected result")),
        str(_("Status")),
    ]
    rows = [
        [
            item.deficit or (item.topic.title if item.topic else "—"),
            item.task,
            str(item.get_form_display()),
            item.deadline.strftime("%d.%m.%Y") if item.deadline else "—",
            item.expected_result or "—",
            str(item.get_status_display()),
        ]
        for item in route.items.all()
        if item.proposal != item.Proposal.DROPPED
    ]
    return headers, rows


def route_pdf(route: Route) -> bytes:
    """The ИОМ as a PDF (A4 landscape, for the table)."""
    title = str(_("Individual educational route of a teacher"))
    pdf = _document(f"{title}: {route.teacher}", landscape=True)
    _heading(pdf, title, 15)
    for label, value in people_rows(route):
        _paragraph(pdf, f"{label}: {value}")
    for name in SECTIONS:
        text = getattr(route, name)
        if text:
            _heading(pdf, section_label(name).capitalize(), 11)
            _paragraph(pdf, text)
    _heading(pdf, str(_("Plan")), 12)
    headers, rows = plan_rows(route)
    _table(pdf, headers, rows, (40, 70, 30, 22, 70, 27))
    pdf.ln(8)
    for role in (_("Teacher"), _("Tutor"), _("Director")):
        _paragraph(pdf, f"{role}: ____________________ / ____________________ /  «___» ________ 20__")
        pdf.ln(3)
    return bytes(pdf.output())


def portfolio_pdf(portfolio: Portfolio) -> bytes:
    """The teacher's portfolio for the year: what they did, by task of the route."""
    route = portfolio.route
    title = str(_("Portfolio of a teacher"))
    pdf = _document(f"{title}: {route.teacher}")
    _heading(pdf, title, 15)
    for label, value in people_rows(route)[:5]:
        _paragraph(pdf, f"{label}: {value}")
    _heading(pdf, str(_("In numbers")), 11)
    _paragraph(pdf, "; ".join(f"{label}: {count}" for label, count in portfolio.counts) or "—")
    if portfolio.diagnostics:
        _heading(pdf, str(_("What the diagnostics showed")), 11)
        for line in portfolio.diagnostics:
            _paragraph(pdf, f"• {line}")
    for group in portfolio.groups:
        _heading(pdf, group.title, 11)
        if group.subtitle:
            _paragraph(pdf, group.subtitle, 9)
        for line in group.lines():
            _paragraph(pdf, f"• {line}")
    for stage, text in portfolio.closing:
        _heading(pdf, stage, 11)
        _paragraph(pdf, text)
    return bytes(pdf.output())
