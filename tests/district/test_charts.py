"""The server-side SVG charts: accessible, drawn to scale, and agreeing with the table beside
them. The marks are read back from the page (positions inverted through the chart's scale)
and compared with the numbers in the table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import District, client_for
from tutorials.district import charts, picture
from tutorials.district.services import snapshot_compute
from tutorials.routes import services as routes

from .helpers import build

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def _figure(page: str, figure_id: str) -> ET.Element:
    start = page.index(f'<figure class="chart-pair" id="{figure_id}"')
    return ET.fromstring(page[start : page.index("</figure>", start) + len("</figure>")])  # noqa: S314 (our page)


def _svg(figure: ET.Element) -> tuple[ET.Element, charts.Scale]:
    svg = figure.find(f".//{SVG}svg")
    assert svg is not None
    low, high = (float(v) for v in svg.attrib["data-scale"].split())
    return svg, charts.Scale(low, high)


def _accessible(svg: ET.Element) -> None:
    assert svg.attrib["role"] == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert svg.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"


def _numbers(text: str) -> list[float]:
    """The numbers written in a cell, as served in Russian (a decimal comma)."""
    return [float(x.replace(",", ".")) for x in re.findall(r"[-+−]?\d+(?:[.,]\d+)?", text.replace("−", "-"))]


def test_the_change_chart_draws_each_shown_topic_to_scale_and_skips_hidden_ones() -> None:
    topics = [
        picture.Topic(1, "1.1", "Числа"),
        picture.Topic(2, "1.2", "Дроби"),
        picture.Topic(3, "2.1", "Х"),
    ]
    cells = [
        picture.ChangeCell(None, 1, 10, 40.0, 52.5, 12.5, 4.0, 21.0),
        picture.ChangeCell(None, 2, 8, 50.0, 47.0, -3.0, -11.5, 5.5),
        picture.ChangeCell(None, 3, 2, 50.0, 60.0, 10.0, None, None, hidden=True),
    ]
    chart = charts.change_chart(topics, cells, title="Изменение по темам")
    assert chart is not None
    svg = ET.fromstring(str(chart))  # noqa: S314 (our own chart)
    _accessible(svg)
    low, high = (float(v) for v in svg.attrib["data-scale"].split())
    assert (low, high) == (-20.0, 30.0)  # holds every interval and 0, rounded out to tens
    scale = charts.Scale(low, high)
    marks = svg.findall(f"{SVG}g[@class='mark']")
    assert [m.attrib["data-topic"] for m in marks] == ["1.1", "1.2"]  # the hidden 2.1 is not drawn
    for mark, cell in zip(marks, cells, strict=False):
        dot = mark.find(f"{SVG}circle")
        whisker = mark.find(f"{SVG}line")
        assert dot is not None and whisker is not None
        assert scale.value(float(dot.attrib["cx"])) == pytest.approx(cell.change, abs=0.01)
        assert scale.value(float(whisker.attrib["x1"])) == pytest.approx(cell.low, abs=0.01)
        assert scale.value(float(whisker.attrib["x2"])) == pytest.approx(cell.high, abs=0.01)
    # Growth beyond noise is a filled blue dot; the second interval contains 0: hollow, "within noise".
    first, second = (m.find(f"{SVG}circle") for m in marks)
    assert first is not None and first.attrib["fill"] == charts.UP
    assert second is not None and second.attrib["fill"] == "#ffffff"
    second_title = marks[1].find(f"{SVG}title")
    assert second_title is not None and "within noise" in (second_title.text or "")
    assert "+12.5 [4.0; 21.0] n=10" in str(chart) and "-3.0 [-11.5; 5.5] n=8" in str(chart)
    assert charts.change_chart(topics[2:], cells[2:], title="x") is None  # nothing shown: no chart


def test_the_year_over_year_chart_agrees_with_its_table_and_the_figures(centre: District) -> None:
    p = build(centre, last_year=True)
    data = snapshot_compute(p.campaign.pk).data
    yoy = picture.year_over_year(data)
    assert yoy is not None
    client = client_for(p.cast.user("methodologist"), centre.host(centre.centre))
    page = client.get(f"/district/{p.campaign.pk}/year-over-year/").content.decode()
    figure = _figure(page, "change-chart")
    svg, scale = _svg(figure)
    _accessible(svg)
    rows = {tr.attrib["data-topic"]: tr for tr in figure.iter("tr") if "data-topic" in tr.attrib}
    expected = {t.code: c for t, c in zip(yoy.topics, yoy.district, strict=True)}
    assert set(rows) == set(expected) == {"1.1", "1.2", "2.1"}
    drawn = {m.attrib["data-topic"]: m for m in svg.iter(f"{SVG}g") if m.attrib.get("class") == "mark"}
    assert set(drawn) == {"1.1", "1.2"}  # 2.1: nobody paired, a dash in the table, no mark
    assert "".join(rows["2.1"].itertext()).strip().endswith("—")
    for code, mark in drawn.items():
        cells = {td.attrib.get("class"): "".join(td.itertext()) for td in rows[code].iter("td")}
        (change,) = _numbers(cells["c-change"])
        low, high = _numbers(cells["c-interval"])
        n = int(cells["c-n"])
        dot, whisker = mark.find(f"{SVG}circle"), mark.find(f"{SVG}line")
        assert dot is not None and whisker is not None
        # The chart and its table: the same change, interval and n (the table rounds to 0.1).
        assert scale.value(float(dot.attrib["cx"])) == pytest.approx(change, abs=0.05), code
        assert scale.value(float(whisker.attrib["x1"])) == pytest.approx(low, abs=0.05), code
        assert scale.value(float(whisker.attrib["x2"])) == pytest.approx(high, abs=0.05), code
        assert int(mark.attrib["data-n"]) == n == expected[code].n
        # And both with the computed figures (hand-checked in test_picture.py).
        assert change == pytest.approx(expected[code].change, abs=0.05)
    assert float(drawn["1.1"].attrib["data-change"]) == 25 and float(drawn["1.2"].attrib["data-change"]) == 0


def test_the_support_chart_agrees_with_its_table(centre: District) -> None:
    p = build(centre)
    for name, done in (("a1", 1), ("b1", 2)):
        user = p.teachers[name].user
        route = routes.route_create(
            actor=user, teacher=user, academic_year=p.cast.year, subject_id=p.cast.subject.pk
        )
        for k in range(2):
            route.refresh_from_db()
            item = routes.item_add(actor=user, route_id=route.pk, version=route.version, task=f"Задача {k}")
            if k < done:
                routes.item_update(actor=user, item_id=item.pk, version=item.version, status="done")
    snapshot_compute(p.campaign.pk)
    client = client_for(p.cast.user("methodologist"), centre.host(centre.centre))
    page = client.get(f"/district/{p.campaign.pk}/support/").content.decode()
    figure = _figure(page, "support-chart")
    svg, scale = _svg(figure)
    _accessible(svg)
    table = {
        "".join(tr.find("th").itertext()): _numbers("".join(tr.find("td").itertext()))  # type: ignore[union-attr]
        for tr in figure.iter("tr")
        if tr.find("td") is not None
    }
    assert table == {"Школа № 1": [50.0], "Школа № 2": [100.0], "Среднее по району": [75.0]}
    bars = {
        m.attrib["data-school"]: m.find(f"{SVG}rect")
        for m in svg.iter(f"{SVG}g")
        if "data-school" in m.attrib
    }
    for name, bar in bars.items():
        assert bar is not None
        right = float(bar.attrib["x"]) + float(bar.attrib["width"])
        assert scale.value(right) == pytest.approx(table[name][0], abs=0.05), name
    average = next(g for g in svg.iter(f"{SVG}g") if g.attrib.get("class") == "average")
    line = average.find(f"{SVG}line")
    assert line is not None and scale.value(float(line.attrib["x1"])) == pytest.approx(75, abs=0.05)
