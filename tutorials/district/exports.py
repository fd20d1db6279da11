"""Exports: the whole picture as XLSX (the same numbers as the pages, hidden cells
written as "n < 3") and a one-page PDF summary per school that the centre sends to
schools.  Both built from ``picture``, so suppression holds in them as on the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tutornet import xlsx

from . import picture
from .models import PictureSnapshot

_FONT_DIR = Path(__file__).resolve().parents[2] / "platform" / "tutornet" / "fonts"


def hidden_label() -> str:
    return _("n < 3")


def _r(value: float | None, digits: int = 0) -> float | str:
    if value is None:
        return "—"
    return round(value) if digits == 0 else round(value, digits)


def complementary_label() -> str:
    return _("hidden")


def _label(cell: picture.Cell | picture.ChangeCell) -> str:
    """n < 3 for a small cell; "hidden" for one hidden so that a small one cannot be worked out."""
    return hidden_label() if cell.small else complementary_label()


def _cell_values(cell: picture.Cell) -> list[Any]:
    if cell.empty:
        return ["—", "—", 0]
    if not cell.shown:
        return [_label(cell)] * 3
    return [_r(cell.mean), _r(cell.share), cell.n]


def _change_values(cell: picture.ChangeCell) -> list[Any]:
    if cell.n == 0:
        return ["—", "—", "—", 0, ""]
    if not cell.shown:
        return [_label(cell)] * 5
    return [
        _r(cell.change, 1),
        _r(cell.low, 1),
        _r(cell.high, 1),
        cell.n,
        _("within noise") if cell.within_noise else "",
    ]


def support_labels() -> dict[str, str]:
    return {
        "routes_total": _("Routes"),
        "items_done_share": _("Planned items done, %"),
        "consultations_held": _("Consultations held"),
        "help_requests": _("Help Hour requests"),
        "help_sessions": _("Help Hour sessions held"),
        "tutorials": _("Tutorials"),
        "registrations": _("Registrations for tutorials"),
        "attendances": _("Attendances"),
        "materials": _("Case materials published"),
        "consultation_rating": _("Consultations: mean rating"),
        "help_rating": _("Help Hour: mean usefulness"),
        "tutorial_rating": _("Tutorials: mean rating"),
    }


def support_text(row: picture.SupportRow, key: str) -> Any:
    """A support figure as written in the exports: a mean rating with its count, "n < 3" below 3."""
    if row.hidden(key):
        return _("n < 3")
    value = _r(row.values[key], 1)
    count = row.rated(key)
    if count and row.values[key] is not None:
        return f"{value} (n = {count})"
    return value


def workbook(snapshot: PictureSnapshot) -> bytes:
    data = snapshot.data
    heat = picture.heatmap(data)
    book, sheet = xlsx.new_workbook(_("Heatmap"))
    sheet.row([data["campaign"]["title"], data["subject"]["name"], data["year"]["name"]])
    sheet.row([_("Computed at"), timezone.localtime(snapshot.computed_at).strftime("%d.%m.%Y %H:%M")])
    header = [_("School")]
    for t in heat.topics:
        header += [f"{t.code} {_('mean, %')}", f"{t.code} {_('with a deficit, %')}", f"{t.code} n"]
    sheet.header(header)
    for row in heat.rows:
        sheet.row([row.name, *[v for c in row.cells for v in _cell_values(c)]])
    sheet.row([_("District"), *[v for c in heat.district.cells for v in _cell_values(c)]])
    sheet.row(
        [
            _("Total (mean of schools)"),
            *[v for c in heat.total.cells for v in (_cell_values(c)[:2] + [c.n])],
        ]
    )
    yoy = picture.year_over_year(data)
    if yoy is not None:
        changes = xlsx.add_sheet(book, _("Year over year"))
        changes.row([_("Paired change, percentage points, 95% CI (paired t-interval)")])
        header = [_("School")]
        for t in yoy.topics:
            header += [f"{t.code} {_('change')}", f"{t.code} {_('CI low')}", f"{t.code} {_('CI high')}",
                       f"{t.code} n", f"{t.code} {_('note')}"]  # fmt: skip
        changes.header(header)
        for _school_id, name, cells in yoy.rows:
            changes.row([name, *[v for c in cells for v in _change_values(c)]])
        changes.row([_("District"), *[v for c in yoy.district for v in _change_values(c)]])
        routes = xlsx.add_sheet(book, _("Routes (observational)"))
        routes.row([_("Observational comparison: not evidence of cause.")])
        routes.header(
            [_("Topic"), _("Route addressed: change"), "n", _("Not addressed: change"), "n",
             _("Difference"), _("CI low"), _("CI high")]
        )  # fmt: skip
        for topic, line in yoy.routes:
            if line["hidden"]:
                routes.row([f"{topic.code} {topic.title}", *[hidden_label()] * 7])
                continue
            a, o, d = line["addressed"], line["other"], line["difference"]
            routes.row(
                [f"{topic.code} {topic.title}", _r(a["mean"], 1), a["n"], _r(o["mean"], 1), o["n"],
                 _r(d["mean"], 1), _r(d["low"], 1), _r(d["high"], 1)]
            )  # fmt: skip
    support_rows, average = picture.support(data)
    support = xlsx.add_sheet(book, _("Support"))
    labels = support_labels()
    support.header([_("School"), *labels.values()])
    for support_row in [*support_rows, average]:
        support.row(
            [support_row.name or _("District average"), *[support_text(support_row, k) for k in labels]]
        )
    return xlsx.to_bytes(book)


def _when(snapshot: PictureSnapshot) -> str:
    return timezone.localtime(snapshot.computed_at).strftime("%d.%m.%Y %H:%M")


def school_lines(snapshot: PictureSnapshot, school_id: int) -> list[tuple[str, str]]:
    """The one-page summary, line by line: (style, text); the PDF and its test share it."""
    data = snapshot.data
    name = data["schools"][str(school_id)]
    heat = picture.heatmap(data, only_school=school_id)
    lines: list[tuple[str, str]] = [
        ("H", name),
        ("", f"{data['campaign']['title']} · {data['subject']['name']} · {data['year']['name']}"),
        ("", _("Computed at %(time)s") % {"time": _when(snapshot)}),
        ("B", _("Results by topic: school (district)")),
    ]  # fmt: skip
    row = heat.rows[0] if heat.rows else None
    for i, topic in enumerate(heat.topics):
        own = row.cells[i] if row else picture.Cell(school_id, topic.id)
        district = heat.district.cells[i]
        own_text = (
            _label(own) if own.hidden and own.n else
            "—" if own.empty else
            _("%(mean)s%%, with a deficit %(share)s%%, n = %(n)s")
            % {"mean": _r(own.mean), "share": _r(own.share), "n": own.n}
        )  # fmt: skip
        district_text = f"{_r(district.mean)}%" if district.shown else _label(district)
        lines.append(("", f"{topic.code} {topic.title[:60]}: {own_text} ({district_text})"))
    yoy = picture.year_over_year(data, only_school=school_id)
    if yoy is not None and yoy.rows:
        lines.append(("B", _("Change since last September (paired, 95% CI)")))
        for topic, cell in zip(yoy.topics, yoy.rows[0][2], strict=True):
            if cell.n == 0:
                continue
            if not cell.shown:
                lines.append(("", f"{topic.code}: {_label(cell)}"))
                continue
            note = _("within noise") if cell.within_noise else ""
            interval = f"[{_r(cell.low, 1)}; {_r(cell.high, 1)}]"
            lines.append(("", f"{topic.code}: {_r(cell.change, 1):+} {interval}, n = {cell.n} {note}"))
    rows, average = picture.support(data, only_school=school_id)
    lines.append(("B", _("What the support did: school (district average)")))
    own_row = rows[0] if rows else None
    for key, label in support_labels().items():
        figure = support_text(own_row, key) if own_row else _r(None, 1)
        lines.append(("", f"{label}: {figure} ({support_text(average, key)})"))
    return lines


def school_pdf(snapshot: PictureSnapshot, school_id: int) -> bytes:
    """The school's one-page summary, in Russian (the centre sends it to the school)."""
    from fpdf import FPDF

    with translation.override(settings.LANGUAGE_CODE):
        lines = school_lines(snapshot, school_id)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(lines[0][1])
    pdf.set_creator("Tutornet")
    pdf.set_creation_date(snapshot.computed_at)
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.add_font("DejaVu", "", str(_FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    small = len(lines) > 50
    for style, text in lines:
        size = 14 if style == "H" else 9 if not small else 7
        pdf.set_font("DejaVu", "B" if style in ("H", "B") else "", size)
        if style == "B":
            pdf.ln(1.5)
        pdf.multi_cell(0, size * 0.45, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
