"""The ИОМ as a Word document, rendered by docxtpl from a template a centre can replace.

The default template is ``templates_docx/iom.docx`` (rebuilt by
``python -m tutorials.routes.templates_docx.build``): the title block with the director's
approval, the teacher, school, subject, year, tutor, the deficits, the stages, the table of
tasks / forms / deadlines / results, and signature lines for the teacher, the tutor and the
director.  A centre puts its own file, edited in Word, at
``<ROUTES_DOCX_TEMPLATE_DIR>/<schema>/iom.docx`` (its own) or ``<ROUTES_DOCX_TEMPLATE_DIR>/iom.docx``
(every organisation of the installation); the first found is used.  The fields a template may
use are those of ``context`` below.

The form is the one Russian schools file, so the document is written in Russian whatever the
reader's interface language (the labels of forms and statuses included).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from docxtpl import DocxTemplate, Listing

from .models import PlanItem, Route, section_label

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "templates_docx" / "iom.docx"
NAME = "iom.docx"


def template_path() -> Path:
    """The template of the organisation whose site this is (see the module's docstring)."""
    root = getattr(settings, "ROUTES_DOCX_TEMPLATE_DIR", "")
    if root:
        schema = connection.schema_name  # type: ignore[attr-defined]
        for candidate in (Path(root) / schema / NAME, Path(root) / NAME):
            if candidate.is_file():
                return candidate
    return DEFAULT_TEMPLATE


def _name(user: Any) -> str:
    return (user.get_full_name() or user.email) if user is not None else "—"


def context(route: Route) -> dict[str, Any]:
    """What a template may show: plain strings, ``deficits`` (a list of strings),
    ``sections`` (``title``, ``text``), ``items`` (``n``, ``deficit``, ``task``, ``form``,
    ``deadline``, ``expected_result``, ``status``) and ``signatures`` (``teacher``, ``tutor``,
    ``director``)."""
    items = [i for i in route.items.all() if i.proposal != PlanItem.Proposal.DROPPED]
    deficits = list(dict.fromkeys(i.deficit or (i.topic.title if i.topic else "") for i in items))
    return {
        "teacher": _name(route.teacher),
        "school": route.school.name,
        "subject": str(route.subject) if route.subject else "—",
        "year": route.academic_year.name,
        "tutor": _name(route.tutor) if route.tutor else "—",
        "status": route.get_status_display(),
        "deficits": [d for d in deficits if d],
        "sections": [
            {"title": section_label(field).capitalize(), "text": Listing(getattr(route, field))}
            for field in ("interest", "question", "goal", "resources", "presentation", "reflection")
            if getattr(route, field)
        ],
        "items": [
            {
                "n": n,
                "deficit": item.deficit or (item.topic.title if item.topic else "—"),
                "task": item.task,
                "form": item.get_form_display(),
                "deadline": item.deadline.strftime("%d.%m.%Y") if item.deadline else "—",
                "expected_result": item.expected_result or "—",
                "status": item.get_status_display(),
            }
            for n, item in enumerate(items, start=1)
        ],
        "signatures": {
            "teacher": _name(route.teacher),
            "tutor": _name(route.tutor) if route.tutor else "",
            "director": "",
        },
        "today": timezone.localdate().strftime("%d.%m.%Y"),
    }


def route_docx(route: Route) -> bytes:
    template = DocxTemplate(str(template_path()))
    with translation.override("ru"):
        template.render(context(route), autoescape=True)
    buffer = BytesIO()
    template.save(buffer)
    return buffer.getvalue()
