"""Reading an uploaded table (CSV or XLSX) as rows of named columns.

Shared by the codifier import and the question bank's XLSX import.  The first row
names the columns; ``aliases`` maps every accepted header (lower case, Russian or
English) to the column's key.  Each row keeps its line number in the file, so every
problem can be reported where the person will find it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from .errors import ImportRejectedError

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):  # Excel on Russian Windows saves CSV in cp1251
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejectedError(
        _("The file was not imported."),
        problems=[("—", _("The file is not text in UTF-8 or Windows-1251."))],
    )


def _csv_rows(raw: bytes) -> list[list[str]]:
    text = _decode(raw)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[_text(cell) for cell in row] for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_rows(raw: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejectedError(
            _("The file was not imported."), problems=[("—", _("The file is not an XLSX workbook."))]
        ) from exc
    sheet = workbook.worksheets[0]
    rows = [[_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def read_table(stream: IO[bytes], name: str, aliases: dict[str, str], required: set[str]) -> list[Row]:
    """The data rows of a CSV or XLSX file; refuses a file without the required columns."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ImportRejectedError(
            _("The file was not imported."), problems=[("—", _("The file is larger than 5 MB."))]
        )
    rows = _xlsx_rows(raw) if raw[:2] == b"PK" or name.lower().endswith(".xlsx") else _csv_rows(raw)
    rows_with_lines = [(n, r) for n, r in enumerate(rows, start=1) if any(r)]
    if not rows_with_lines:
        raise ImportRejectedError(_("The file was not imported."), problems=[("—", _("The file is empty."))])
    header_line, header = rows_with_lines[0]
    keys = [aliases.get(h.strip().lower().replace("ё", "е")) for h in header]
    missing = sorted(required - set(filter(None, keys)))
    if missing:
        raise ImportRejectedError(
            _("The file was not imported."),
            problems=[
                (
                    _("line %(n)s") % {"n": header_line},
                    _("The first line must name the columns; missing: %(columns)s.")
                    % {"columns": ", ".join(missing)},
                )
            ],
        )
    result = []
    for line, cells in rows_with_lines[1:]:
        values = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(keys) if key}
        result.append(Row(line=line, values=values))
    return result
