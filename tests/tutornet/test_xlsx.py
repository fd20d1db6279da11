"""User text in an export is text: never a formula (formula injection)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tutornet import xlsx


@pytest.mark.parametrize(
    "typed",
    ['=HYPERLINK("http://evil.example/x","Школа № 3")', "+7 999 123", "-1+1", "@SUM(A1)", "=1+1"],
)
def test_text_that_looks_like_a_formula_is_written_as_text(typed: str) -> None:
    book, sheet = xlsx.new_workbook("Лист")
    sheet.header(["Школа", "Заявок"])
    sheet.row([typed, 3])
    reread = load_workbook(io.BytesIO(xlsx.to_bytes(book)))
    cell = reread.active["A2"]
    assert cell.value == typed
    assert cell.data_type == "s"
    assert reread.active["B2"].value == 3
    assert reread.active["A1"].font.bold


def test_ordinary_values_keep_their_types() -> None:
    book, sheet = xlsx.new_workbook("Лист")
    sheet.row(["Школа № 1", 2.5, 7])
    reread = load_workbook(io.BytesIO(xlsx.to_bytes(book))).active
    assert [c.value for c in reread[1]] == ["Школа № 1", 2.5, 7]
    assert reread["B1"].data_type == "n"
