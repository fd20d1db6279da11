"""The bank's pages: methodologists only, filters, creating and editing each type, the preview,
query counts, isolation between organisations, KaTeX served locally."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django_tenants.utils import tenant_context

from accounts.models import Role
from tests.conftest import District, client_for, member
from tutorials.diagnostics.models import Item, ItemType

from .factories import bank_codifier, make_item, methodologist

pytestmark = pytest.mark.django_db


def _client(user: Any, district: District, organisation: Any = None) -> Any:
    client = client_for(user, district.host(organisation or district.centre))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def bank(district: District) -> dict[str, Any]:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        items = [
            make_item(actor=actor, codifier=codifier, type=t, codes=("1.1", "3.1")) for t in ItemType.values
        ]
        items += [make_item(actor=actor, codifier=codifier, codes=("3.2",)) for _ in range(15)]
    return {"actor": actor, "codifier": codifier, "items": items, "client": _client(actor, district)}


def test_the_list_shows_items_with_topics_in_few_queries(
    bank: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(14):
        response = bank["client"].get("/diagnostics/bank/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "21 items" in body and "Matching" in body and "3.2" in body
    assert "vendor/katex/katex.min.js" in body and "js/diagnostics_math.js" in body
    with django_assert_max_num_queries(14):
        assert bank["client"].get("/diagnostics/bank/?page=2").status_code == 200


def test_the_list_filters_by_type_and_topic(bank: dict[str, Any]) -> None:
    codifier = bank["codifier"]
    by_type = bank["client"].get("/diagnostics/bank/", {"type": "numeric"}).content.decode()
    assert "1 item" in by_type
    by_topic = (
        bank["client"].get("/diagnostics/bank/", {"codifier": codifier.pk, "topic": "3.2"}).content.decode()
    )
    assert "15 items" in by_topic
    nothing = (
        bank["client"].get("/diagnostics/bank/", {"codifier": codifier.pk, "topic": "9.9"}).content.decode()
    )
    assert "No items match" in nothing


def test_the_preview_shows_the_item_as_the_teacher_sees_it_and_the_answer(bank: dict[str, Any]) -> None:
    matching = next(i for i in bank["items"] if i.type == ItemType.MATCHING)
    body = bank["client"].get(f"/diagnostics/bank/items/{matching.pk}/").content.decode()
    assert 'name="preview-pair-1"' in body and "парабола" in body and "data-math" in body
    assert "1 — А" in body


def test_a_methodologist_creates_a_multiple_choice_item_on_the_page(bank: dict[str, Any]) -> None:
    codifier = bank["codifier"]
    response = bank["client"].post(
        "/diagnostics/bank/items/new/?type=multiple",
        {
            "type": "multiple", "codifier": codifier.pk, "topic_codes": "1.2, 3.1", "name": "Корни",
            "text": "Выберите корни уравнения \\(x^2 - 5x + 6 = 0\\)", "max_points": "2",
            "options": "*2\n*3\n-2\n6", "scoring": "partial",
        },
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(_centre()):
        item = Item.objects.get(name="Корни")
        version = item.current_version
        assert version is not None and version.max_points == 2
        assert [c["correct"] for c in version.body["choices"]] == [True, True, False, False]
        assert sorted(t.code for t in version.topics.all()) == ["1.2", "3.1"]


def test_a_matching_item_made_on_the_page_does_not_give_the_answer_by_its_order(bank: dict[str, Any]) -> None:
    response = bank["client"].post(
        "/diagnostics/bank/items/new/",
        {
            "type": "matching", "codifier": bank["codifier"].pk, "topic_codes": "1.1", "name": "Графики",
            "text": "Установите соответствие", "max_points": "2",
            "pairs": "y = x² = парабола\ny = 1/x = гипербола\ny = 2x = прямая", "distractors": "окружность",
            "scoring": "partial",
        },
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(_centre()):
        body = Item.objects.get(name="Графики").current_version.body  # type: ignore[union-attr]
    assert [r["text"] for r in body["right"]] == ["гипербола", "окружность", "парабола", "прямая"]
    assert body["key"] == {"1": "В", "2": "А", "3": "Г"}


def test_bad_input_on_the_page_is_shown_on_its_field_and_writes_nothing(bank: dict[str, Any]) -> None:
    with tenant_context(_centre()):
        before = Item.objects.count()
    response = bank["client"].post(
        "/diagnostics/bank/items/new/",
        {"type": "single", "codifier": bank["codifier"].pk, "topic_codes": "1.1, 9.9", "text": "?",
         "max_points": "1", "options": "1\n2", "scoring": "partial"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "No such codes in this codifier: 9.9" in response.content.decode()
    response = bank["client"].post(
        "/diagnostics/bank/items/new/",
        {"type": "single", "codifier": bank["codifier"].pk, "topic_codes": "1.1", "text": "?",
         "max_points": "1", "options": "1\n2", "scoring": "partial"},
    )  # fmt: skip
    assert "exactly one correct option" in response.content.decode()
    with tenant_context(_centre()):
        assert Item.objects.count() == before


def test_editing_on_the_page_after_a_campaign_used_the_item_makes_a_new_version(bank: dict[str, Any]) -> None:
    from tutorials.diagnostics.services import versions_mark_used

    item = next(i for i in bank["items"] if i.type == ItemType.NUMERIC)
    with tenant_context(_centre()):
        versions_mark_used([item.current_version_id])
    page = bank["client"].get(f"/diagnostics/bank/items/{item.pk}/edit/").content.decode()
    assert "saving makes a new version" in page and 'value="2.5"' in page
    response = bank["client"].post(
        f"/diagnostics/bank/items/{item.pk}/edit/",
        {"type": "numeric", "codifier": bank["codifier"].pk, "topic_codes": "1.1", "text": "<p>Новое</p>",
         "max_points": "1", "value": "3,5", "tolerance": "0", "scoring": "partial"},
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(_centre()):
        item.refresh_from_db()
        assert item.versions.count() == 2 and item.current_version.number == 2  # type: ignore[union-attr]
        assert item.current_version.body["value"] == "3.5"  # type: ignore[union-attr]


def _centre() -> Any:
    from tenants.models import Organisation

    return Organisation.objects.get(schema_name="centre")


@pytest.mark.parametrize(
    "where,role", [("centre", Role.TUTOR), ("school", Role.TEACHER), ("school", Role.SCHOOL_ADMIN)]
)
def test_teachers_tutors_and_schools_never_see_the_centres_bank(
    bank: dict[str, Any], district: District, where: str, role: str
) -> None:
    organisation = district.centre if where == "centre" else district.school_a
    client = _client(member(organisation, role).user, district)  # on the centre's host
    item = bank["items"][0]
    assert client.get("/diagnostics/bank/").status_code == 403
    assert client.get(f"/diagnostics/bank/items/{item.pk}/").status_code == 403
    assert client.get("/diagnostics/bank/items/new/").status_code == 403


def test_a_schools_own_bank_is_invisible_to_another_school(district: District) -> None:
    with tenant_context(district.school_a):
        admin_a = methodologist(district.school_a)
        item = make_item(actor=admin_a, codifier=bank_codifier(), text="<p>Секрет школы 1</p>")
    client_a = _client(admin_a, district, district.school_a)
    assert "Секрет школы 1" in client_a.get("/diagnostics/bank/").content.decode()
    admin_b = methodologist(district.school_b)
    client_b = _client(admin_b, district, district.school_b)
    assert "Секрет школы 1" not in client_b.get("/diagnostics/bank/").content.decode()
    assert client_b.get(f"/diagnostics/bank/items/{item.pk}/").status_code == 404
    # ... nor on school 1's own host to school 2's admin
    assert _client(admin_b, district, district.school_a).get("/diagnostics/bank/").status_code == 403


def test_katex_and_its_fonts_and_licence_are_served_locally() -> None:
    for path in (
        "vendor/katex/katex.min.js", "vendor/katex/katex.min.css", "vendor/katex/contrib/auto-render.min.js",
        "vendor/katex/fonts/KaTeX_Main-Regular.woff2", "vendor/katex/LICENSE", "js/diagnostics_math.js",
    ):  # fmt: skip
        assert finders.find(path), path
    css = open(finders.find("vendor/katex/katex.min.css")).read()  # type: ignore[arg-type]  # noqa: SIM115
    assert "fonts/KaTeX_Main-Regular.woff2" in css and "//cdn" not in css
