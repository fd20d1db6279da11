"""The district picture on a small district with hand-computed results (helpers.THIS_YEAR):
values, suppression on the page and in the exports, year over year through the codifier's
mapping, who sees what, the query count, and freshness."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import District, client_for
from tutorials.district import compute, picture
from tutorials.district.exports import school_pdf, workbook
from tutorials.district.models import PictureSnapshot
from tutorials.district.services import snapshot_compute, snapshot_for, stale_campaign_ids
from tutorials.district.tasks import picture_refresh
from tutorials.routes import services as routes

from .helpers import build, take, teacher

pytestmark = pytest.mark.django_db


def _cells(data: dict, school_id: int | None) -> dict[str, picture.Cell]:
    heat = picture.heatmap(data)
    row = heat.district if school_id is None else next(r for r in heat.rows if r.school_id == school_id)
    return {t.code: c for t, c in zip(heat.topics, row.cells, strict=True)}


def test_cells_hold_the_hand_computed_mean_deficit_share_and_n(centre: District) -> None:
    p = build(centre)
    data = snapshot_compute(p.campaign.pk).data
    a = _cells(data, centre.school_a.pk)
    assert (a["1.1"].mean, a["1.1"].share, a["1.1"].n) == (50, 75, 4)
    assert (a["1.2"].mean, a["1.2"].share, a["1.2"].n) == (25, 75, 4)
    assert (a["2.1"].mean, a["2.1"].share, a["2.1"].n) == (37.5, 75, 4)
    b = _cells(data, centre.school_b.pk)
    assert b["1.1"].mean == pytest.approx(100 / 3) and b["1.1"].share == pytest.approx(200 / 3)
    assert b["1.2"].mean == pytest.approx(200 / 3) and b["1.2"].share == pytest.approx(100 / 3)
    district = _cells(data, None)
    assert all(c.n == 7 and c.mean == pytest.approx(300 / 7) and c.shown for c in district.values())
    assert district["1.2"].share == pytest.approx(400 / 7)
    heat = picture.heatmap(data)
    assert heat.total.cells[0].mean == pytest.approx((50 + 100 / 3) / 2)  # mean of the two schools
    assert "3.1" not in [t.code for t in heat.topics]  # nobody has a result there
    # Sorting: the weakest school first (B's weakest, 33 %, is above A's 25 %).
    assert [r.school_id for r in picture.heatmap(data, sort="weak-schools").rows][0] == centre.school_a.pk


def test_a_school_of_two_teachers_is_hidden_with_the_cells_that_would_give_it_away(centre: District) -> None:
    p = build(centre, small_b=True)
    snapshot = snapshot_compute(p.campaign.pk)
    heat = picture.heatmap(snapshot.data)
    # B (n = 2) hidden; A (n = 4) hidden too, or the district row minus A would give B;
    # and the district cell, since A's administrator knows A's cell and would subtract it.
    assert all(not c.shown for row in heat.rows for c in row.cells)
    assert all(not c.shown for c in heat.district.cells)
    methodologist = client_for(p.cast.user("methodologist"), centre.host(centre.centre))
    page = methodologist.get(f"/district/{p.campaign.pk}/").content.decode()
    table = page[page.index('id="heatmap"') : page.index("</table>", page.index('id="heatmap"'))]
    assert table.count("n &lt; 3") == 3  # B's three cells
    assert table.count("скрыто") == 3 + 3  # A's (complementary) and the district's, served in Russian
    assert table.count("hm-hidden") == 2 * 3 + 3  # A's (complementary) and the district's too
    assert "hm-mean" not in table  # not one percentage is written
    body = methodologist.get(f"/api/district/{p.campaign.pk}/").json()
    cells = [c for row in [*body["schools"], body["district"]] for c in row["cells"]]
    assert len(cells) == 9 and all(c["hidden"] and c["mean"] is None and c["n"] is None for c in cells)
    # The XLSX: every school and district value of a topic is "n < 3".
    with translation.override("en"):  # the page request above left Russian active
        sheet = load_workbook(io.BytesIO(workbook(snapshot)))["Heatmap"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert set(rows["Школа № 2"]) == {"n < 3"}
    for name in ("Школа № 1", "District"):
        assert set(rows[name]) == {"hidden"}, name
    # The school's PDF: its cells hidden, nothing of its two teachers' 50 % / 75 %.
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(school_pdf(snapshot, centre.school_b.pk))).pages
    )
    assert "Школа № 2" in text and "n < 3" in text
    assert not re.search(r"\b(50|75)%", text)


def test_year_over_year_pairs_teachers_through_the_codifier_mapping(centre: District) -> None:
    p = build(centre, last_year=True)
    data = snapshot_compute(p.campaign.pk).data
    assert data["previous"]["id"] == p.previous.pk
    yoy = picture.year_over_year(data)
    assert yoy is not None
    district = {t.code: c for t, c in zip(yoy.topics, yoy.district, strict=True)}
    # 1.1 (same code, new codifier): a1 0→100, a2 100→50, a3 0→50, a4 0→0; "gone" is not paired.
    one = district["1.1"]
    assert (one.n, one.before, one.after, one.change) == (4, 25, 50, 25)
    assert one.low == pytest.approx(25 - 102.713, abs=0.01) and one.high == pytest.approx(
        25 + 102.713, abs=0.01
    )
    assert one.within_noise
    # 1.2 continues last year's 1.5: a1 0→100, a2 0→0, a3 100→0, a4 0→0.
    two = district["1.2"]
    assert (two.n, two.change) == (4, 0) and two.high == pytest.approx(129.923, abs=0.01)
    assert district["2.1"].n == 0  # no earlier topic continues into 2.1
    (school_id, _name, cells) = yoy.rows[0]
    assert school_id == centre.school_a.pk and len(yoy.rows) == 1
    # Routes vs not: 4 pairs can only split into a group below 3: hidden.
    assert all(line["hidden"] for _topic, line in yoy.routes)


def test_routes_addressed_groups_follow_the_mapping() -> None:
    pairs = {(1, 10): (5, 0.0, 40.0), (2, 10): (5, 10.0, 20.0), (3, 10): (6, 50.0, 50.0)}
    # Teacher 1 planned old topic 7, which the mapping carries to 10; teacher 2 planned 10 itself.
    groups = compute._route_groups(pairs, {1: {7}, 2: {10}, 3: {99}}, {7: {10}})
    assert groups[10] == ([40.0, 10.0], [0.0])


def test_support_counts_routes_and_planned_items_done(centre: District) -> None:
    p = build(centre)
    a1 = p.teachers["a1"].user
    route = routes.route_create(actor=a1, teacher=a1, academic_year=p.cast.year, subject_id=p.cast.subject.pk)
    routes.item_add(
        actor=a1, route_id=route.pk, version=route.version, task="Дроби", topic_id=p.cast.topics["1.2"].pk
    )
    route.refresh_from_db()
    item = routes.item_add(actor=a1, route_id=route.pk, version=route.version, task="Функции")
    routes.item_update(actor=a1, item_id=item.pk, version=item.version, status="done")
    data = snapshot_compute(p.campaign.pk).data
    rows, average = picture.support(data)
    (row,) = rows
    assert row.school_id == centre.school_a.pk and row.routes == {"draft": 1}
    assert row.values["routes_total"] == 1 and row.values["items_done_share"] == 50
    assert row.values["consultations_held"] == 0 and row.values["consultation_rating"] is None
    assert average.values["items_done_share"] == 50


def test_only_the_centre_methodologists_see_the_picture_and_the_teachers_behind_a_cell(
    centre: District,
) -> None:
    p = build(centre)
    host = centre.host(centre.centre)
    snapshot_compute(p.campaign.pk)
    a, topic = centre.school_a.pk, p.cast.topics["1.1"].pk
    for who in ("teacher", "admin_a", "tutor"):
        client = client_for(p.cast.user(who), host)
        assert client.get(f"/district/{p.campaign.pk}/").status_code == 403, who
        assert client.get(f"/district/{p.campaign.pk}/cell/{a}/{topic}/").status_code == 403, who
        assert client.get(f"/district/{p.campaign.pk}/district.xlsx").status_code == 403, who
        assert client.get(f"/district/{p.campaign.pk}/school/{a}.pdf").status_code == 403, who
    methodologist = client_for(p.cast.user("methodologist"), host)
    cell = methodologist.get(f"/district/{p.campaign.pk}/cell/{a}/{topic}/").content.decode()
    for name in ("a1", "a2", "a3", "a4"):
        assert p.teachers[name].user.last_name in cell
    assert p.teachers["b1"].user.get_full_name() not in cell


def test_a_school_admin_sees_their_own_school_next_to_the_district_and_no_other(centre: District) -> None:
    p = build(centre)
    snapshot_compute(p.campaign.pk)
    client = client_for(p.cast.user("admin_a"), centre.host(centre.centre))
    page = client.get(f"/district/my-school/{p.campaign.pk}/").content.decode()
    assert "Школа № 1" in page and "Школа № 2" not in page
    assert 'id="district-row"' in page and f'data-school="{centre.school_b.pk}"' not in page
    pdf = client.get(f"/district/my-school/{p.campaign.pk}/summary.pdf")
    text = " ".join(x.extract_text() for x in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Школа № 1" in text and "Школа № 2" not in text
    assert (
        client_for(p.cast.user("teacher"), centre.host(centre.centre)).get("/district/my-school/").status_code
        == 403
    )


def test_exports_carry_the_page_numbers(centre: District) -> None:
    p = build(centre)
    snapshot = snapshot_compute(p.campaign.pk)
    methodologist = client_for(p.cast.user("methodologist"), centre.host(centre.centre))
    response = methodologist.get(f"/district/{p.campaign.pk}/district.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    lines = list(book.worksheets[0].iter_rows(min_row=4, values_only=True))  # in Russian, as served
    rows = {r[0]: r[1:] for r in lines}
    assert rows["Школа № 1"][:3] == (50, 75, 4)  # 1.1: mean, with a deficit, n
    assert lines[-2][0] == "Район" and lines[-2][1:4] == (43, 71, 7)  # the district row
    assert book.sheetnames == ["Тепловая карта", "Поддержка"]  # no earlier year: no YoY sheets
    pdf = methodologist.get(f"/district/{p.campaign.pk}/school/{centre.school_a.pk}.pdf")
    text = " ".join(x.extract_text() for x in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Школа № 1" in text and "n = 4" in text and "50%" in text
    assert snapshot.data["schools"][str(centre.school_b.pk)] == "Школа № 2"


def test_heatmap_page_query_count_does_not_depend_on_the_district(centre: District) -> None:
    p = build(centre, last_year=True)
    snapshot_compute(p.campaign.pk)
    client = client_for(p.cast.user("methodologist"), centre.host(centre.centre))
    client.get(f"/district/{p.campaign.pk}/")  # warm the host and membership caches
    for path, mark in (
        (f"/district/{p.campaign.pk}/?sort=weak-topics", 'class="hm-mean"'),
        (f"/district/{p.campaign.pk}/year-over-year/", 'id="change-chart"'),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200 and mark in response.content.decode()
        # The schema, the user (the session comes from its copy in Redis: tutornet/sessions.py),
        # the campaign, the snapshot row without its figures (only its heading's keys), the newest
        # result, the header's unread count; and, the table not being cached yet, the figures.
        assert len(queries) == 7, "\n".join(q["sql"][:100] for q in queries.captured_queries)
        rows = [q["sql"] for q in queries.captured_queries if "district_picture_picturesnapshot" in q["sql"]]
        assert len(rows) == 2 and "JSONB_BUILD_OBJECT" in rows[0].upper()
        with CaptureQueriesContext(connection) as queries:
            again = client.get(path)
        # The table cached: the figures are not read at all.
        assert mark in again.content.decode()
        assert len(queries) == 6, "\n".join(q["sql"][:100] for q in queries.captured_queries)


def test_a_new_final_result_makes_the_figures_stale_until_recomputed(centre: District) -> None:
    p = build(centre)
    first = snapshot_compute(p.campaign.pk)
    late = teacher(p.cast, centre.school_b)
    take(p.campaign, late, set(), minutes=30)
    fresh = snapshot_for(p.campaign)
    assert fresh.stale and fresh.snapshot.pk == first.pk
    page = client_for(p.cast.user("methodologist"), centre.host(centre.centre)).get(
        f"/district/{p.campaign.pk}/"
    )
    assert 'id="stale"' in page.content.decode()
    assert stale_campaign_ids() == [p.campaign.pk]  # what the beat sweep recomputes
    picture_refresh.apply(args=(p.campaign.pk,))  # the Celery task's own code, run here
    assert stale_campaign_ids() == []
    again = snapshot_for(p.campaign)
    assert not again.stale
    assert PictureSnapshot.objects.get(campaign_id=p.campaign.pk).computed_at > first.computed_at
    assert _cells(again.snapshot.data, centre.school_b.pk)["1.1"].n == 4
