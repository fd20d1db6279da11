"""XLSX exports: one place that writes user text as text.

Every export (Help Hour figures, participant lists, diagnostics results, the
district picture...) builds its workbook with :class:`SafeSheet` or passes each
value through :func:`cell_value`.  A string that a person typed (a school's
short name, a question, a comment) is never written as a formula, even when it
starts with ``=``, ``+``, ``-`` or ``@`` (CSV/formula injection: a cell like
``=HYPERLINK("http://evil.example/x","Школа № 3")`` would otherwise become a live
link in the methodologist's Excel).  openpyxl treats any string starting with
``=`` as a formula; we mark such strings as plain text (``data_type = "s"``)
so the cell shows exactly what was typed, without a visible quote.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def append_row(sheet: Worksheet, values: Sequence[Any], *, bold: bool = False) -> None:
    """Append one row; every string is stored as text, never as a formula."""
    sheet.append([None if is_formula_like(value) else value for value in values])
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        cell: Cell = sheet.cell(row=row, column=column)
        if is_formula_like(value):
            cell.value = value
            cell.data_type = "s"
        if bold:
            cell.font = BOLD


class SafeSheet:
    """A worksheet wrapper whose only way to add data is :func:`append_row`."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet

    def header(self, values: Sequence[Any]) -> None:
        append_row(self.sheet, values, bold=True)

    def row(self, values: Sequence[Any]) -> None:
        append_row(self.sheet, values)

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            append_row(self.sheet, values)

    def widths(self, **columns: float) -> None:
        for letter, width in columns.items():
            self.sheet.column_dimensions[letter].width = width


def new_workbook(first_sheet_title: str) -> tuple[Workbook, SafeSheet]:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = first_sheet_title[:31]
    return book, SafeSheet(sheet)


def add_sheet(book: Workbook, title: str) -> SafeSheet:
    return SafeSheet(book.create_sheet(title[:31]))


def to_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
