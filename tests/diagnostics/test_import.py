"""Importing items from real Moodle XML files and from the XLSX template: all or nothing,
every bad item reported with its position and reason."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from codifier.errors import ImportRejectedError
from tests.conftest import District, client_for
from tutorials.diagnostics import services
from tutorials.diagnostics.models import Item, ItemImage, ItemType
from tutorials.diagnostics.scoring import score_response

from .factories import methodologist, oge_codifier

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "moodle"


@pytest.fixture
def setup(district: District) -> Any:
    with tenant_context(district.centre):
        yield {"actor": methodologist(district.centre), "codifier": oge_codifier(district.centre)}


def _import(setup: dict[str, Any], name: str, data: bytes | None = None, **kw: Any) -> list[Item]:
    raw = data if data is not None else (FILES / name).read_bytes()
    return services.items_import(
        stream=io.BytesIO(raw), filename=name, codifier=setup["codifier"], actor=setup["actor"], **kw
    )


def test_a_moodle_bank_of_every_supported_type_is_imported_with_topics_and_pictures(
    setup: dict[str, Any],
) -> None:
    items = _import(setup, "good.xml", default_topic_codes=["1.1.5"])
    by_name = {i.name: i for i in items}
    assert [i.type for i in items] == [
        ItemType.SINGLE, ItemType.MULTIPLE, ItemType.SINGLE, ItemType.SHORT, ItemType.NUMERIC,
        ItemType.MATCHING, ItemType.EXTENDED,
    ]  # fmt: skip
    single = by_name["Сравнение чисел"].current_version
    assert single is not None
    assert score_response(single, {"choice": "2"}) == 1
    image = ItemImage.objects.get(item=by_name["Сравнение чисел"])
    assert (
        f'src="/diagnostics/bank/images/{image.pk}/"' in single.text and "@@PLUGINFILE@@" not in single.text
    )
    assert [t.code for t in single.topics.all()] == ["1.2.1"]
    multiple = by_name["Корни уравнения"].current_version
    assert multiple is not None and multiple.max_points == 2
    assert score_response(multiple, {"choices": ["1", "2"]}) == 2
    assert score_response(multiple, {"choices": ["1", "3"]}) == 0
    truefalse = by_name["Признак делимости"].current_version
    assert truefalse is not None and [t.code for t in truefalse.topics.all()] == ["1.1.5"]
    assert score_response(truefalse, {"choice": "true"}) == 1
    short = by_name["Значение выражения"].current_version
    assert short is not None and short.body["answers"] == ["3,5"]
    assert score_response(short, {"text": "3.5"}) == 1
    numeric = by_name["Площадь прямоугольника"].current_version
    assert numeric is not None and numeric.body["unit"] == "см²"
    assert score_response(numeric, {"value": "10,005"}) == 1
    matching = by_name["Графики функций"].current_version
    assert matching is not None
    assert sorted(t.code for t in matching.topics.all()) == ["5.1.5", "5.1.7"]
    assert len(matching.body["left"]) == 2 and len(matching.body["right"]) == 3
    assert score_response(matching, {"pairs": matching.body["key"]}) == 2
    essay = by_name["Решите уравнение"].current_version
    assert essay is not None and "2 балла" in essay.body["rubric"]
    assert score_response(essay, {"text": "..."}) is None


def test_a_bad_moodle_file_reports_every_bad_question_and_imports_nothing(setup: dict[str, Any]) -> None:
    before = Item.objects.count()
    with pytest.raises(ImportRejectedError) as error:
        _import(setup, "bad.xml")
    problems = dict(error.value.problems)
    assert list(problems) == [
        "question 1 «Без верного ответа»",
        "question 2 «Вычисляемый»",
        "question 4 «Неизвестный код»",
        "question 5 «Без ответа»",
    ]
    assert "exactly one correct option" in problems["question 1 «Без верного ответа»"]
    assert "“calculated” is not supported" in problems["question 2 «Вычисляемый»"]
    assert "99.9" in problems["question 4 «Неизвестный код»"]
    assert "number" in problems["question 5 «Без ответа»"]
    assert Item.objects.count() == before  # not even the good question 3


def test_a_question_without_topics_is_refused_unless_the_file_gets_default_topics(
    setup: dict[str, Any],
) -> None:
    with pytest.raises(ImportRejectedError) as error:
        _import(setup, "good.xml")
    assert [p for p, _r in error.value.problems] == ["question 3 «Признак делимости»"]


@pytest.mark.parametrize(
    "data",
    [
        b"<quiz><question type='essay'>",  # cut off
        b"<html><body>not moodle</body></html>",
        b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>',
    ],
)
def test_broken_foreign_or_hostile_xml_is_refused_clearly(setup: dict[str, Any], data: bytes) -> None:
    with pytest.raises(ImportRejectedError) as error:
        _import(setup, "bank.xml", data)
    assert "not Moodle XML" in error.value.problems[0][1]


def test_the_xlsx_template_downloads_and_imports_its_own_examples(
    setup: dict[str, Any], district: District
) -> None:
    client = client_for(setup["actor"], district.host(district.centre))
    response = client.get("/diagnostics/bank/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None and str(sheet["A1"].value).startswith("Тип")
    items = _import(setup, "template.xlsx", response.content)
    assert sorted(i.type for i in items) == sorted(ItemType.values)
    multiple = next(i for i in items if i.type == ItemType.MULTIPLE).current_version
    assert multiple is not None and [c["text"] for c in multiple.body["choices"]][2] == "-2"


def test_a_bad_xlsx_row_is_reported_by_its_line(setup: dict[str, Any]) -> None:
    csv = (
        "тип;текст;коды кэс;ответы\n"
        "краткий ответ;2+2;1.1.2;4\nсочинение;Напишите;1.1.2;\nкраткий ответ;3+3;1.1.2;\n"
    )
    with pytest.raises(ImportRejectedError) as error:
        _import(setup, "bank.csv", csv.encode())
    problems = dict(error.value.problems)
    assert list(problems) == ["line 3", "line 4"]
    assert "unknown type" in problems["line 3"] and "accepted answer" in problems["line 4"]


def test_the_import_page_shows_the_problems_and_imports_a_good_file(
    setup: dict[str, Any], district: District
) -> None:
    client = client_for(setup["actor"], district.host(district.centre))
    client.cookies["django_language"] = "en"
    codifier = setup["codifier"]
    bad = SimpleUploadedFile("bad.xml", (FILES / "bad.xml").read_bytes())
    response = client.post("/diagnostics/bank/import/", {"codifier": codifier.pk, "file": bad})
    assert response.status_code == 400
    body = response.content.decode()
    assert "question 2 «Вычисляемый»" in body and "Nothing was written" in body
    good = SimpleUploadedFile("good.xml", (FILES / "good.xml").read_bytes())
    response = client.post(
        "/diagnostics/bank/import/", {"codifier": codifier.pk, "file": good, "default_topic_codes": "1.1.5"}
    )
    assert response.status_code == 302
    with tenant_context(district.centre):
        assert Item.objects.filter(name="Графики функций").exists()
