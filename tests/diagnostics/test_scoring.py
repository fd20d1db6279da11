"""Scoring one answer: every type, partial credit, normalisation, tolerance."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import tenant_context

from tests.conftest import District
from tutorials.diagnostics.models import ItemType, ItemVersion
from tutorials.diagnostics.scoring import (
    ResponseInvalidError,
    choice_ids,
    correct_response,
    normalise,
    score_response,
    validate_response,
)

from .factories import bank_codifier, make_item, methodologist

pytestmark = pytest.mark.django_db


@pytest.fixture
def make(district: District) -> Any:
    with tenant_context(district.centre):
        actor = methodologist(district.centre)
        codifier = bank_codifier()

        def build(type: str, max_points: Any = 1, body: dict[str, Any] | None = None) -> ItemVersion:
            item = make_item(actor=actor, codifier=codifier, type=type, max_points=max_points, body=body)
            assert item.current_version is not None
            return item.current_version

        yield build


def test_single_choice_scores_only_the_correct_option(make: Any) -> None:
    version = make(ItemType.SINGLE, max_points=2)
    assert score_response(version, {"choice": "b"}) == Decimal("2")
    assert score_response(version, {"choice": "a"}) == Decimal("0")
    assert score_response(version, {}) == Decimal("0")
    assert choice_ids(version) == ["a", "b", "c"]
    assert correct_response(version) == {"choice": "b"}


def test_multiple_choice_partial_credit_subtracts_wrong_picks_and_never_goes_below_zero(make: Any) -> None:
    version = make(ItemType.MULTIPLE, max_points=2)  # correct: a, b; wrong: c, d
    assert score_response(version, {"choices": ["a", "b"]}) == Decimal("2.00")
    assert score_response(version, {"choices": ["a"]}) == Decimal("1.00")
    assert score_response(version, {"choices": ["a", "b", "c"]}) == Decimal("1.00")
    assert score_response(version, {"choices": ["a", "c"]}) == Decimal("0.00")
    assert score_response(version, {"choices": ["a", "b", "c", "d"]}) == Decimal("0.00")
    assert score_response(version, {"choices": ["c", "d"]}) == Decimal("0.00")


def test_multiple_choice_all_or_nothing(make: Any) -> None:
    body = {
        "choices": [
            {"id": "a", "text": "x", "correct": True},
            {"id": "b", "text": "y", "correct": True},
            {"id": "c", "text": "z", "correct": False},
        ],
        "scoring": "all_or_nothing",
    }
    version = make(ItemType.MULTIPLE, body=body)
    assert score_response(version, {"choices": ["b", "a"]}) == Decimal("1")
    assert score_response(version, {"choices": ["a"]}) == Decimal("0")


def test_multiple_choice_thirds_are_rounded_half_up(make: Any) -> None:
    body = {"choices": [{"id": str(i), "text": str(i), "correct": i < 3} for i in range(4)]}
    version = make(ItemType.MULTIPLE, body=body)
    assert score_response(version, {"choices": ["0"]}) == Decimal("0.33")
    assert score_response(version, {"choices": ["0", "1"]}) == Decimal("0.67")


@pytest.mark.parametrize("given", ["-3,5", "-3.5", " −3,5 ", "– 3.5", "-3\u00a0,5".replace("\u00a0,", ",")])
def test_short_answer_is_compared_after_normalising(make: Any, given: str) -> None:
    version = make(ItemType.SHORT)  # accepted: "-3,5"
    assert score_response(version, {"text": given}) == Decimal("1")


def test_short_answer_ignores_case_spaces_and_yo(make: Any) -> None:
    version = make(ItemType.SHORT, body={"answers": ["Ёлка зелёная"]})
    assert score_response(version, {"text": "  ЕЛКА   зеленая "}) == Decimal("1")
    assert score_response(version, {"text": "ёлка синяя"}) == Decimal("0")
    assert score_response(version, {"text": ""}) == Decimal("0")
    assert normalise("3,5") == normalise("3.5") and normalise("1, 2") != normalise("1.2")


def test_numeric_answer_within_tolerance(make: Any) -> None:
    version = make(ItemType.NUMERIC)  # 2.5 ± 0.1
    assert score_response(version, {"value": "2,5"}) == Decimal("1")
    assert score_response(version, {"value": "2.6"}) == Decimal("1")
    assert score_response(version, {"value": "2.61"}) == Decimal("0")
    assert score_response(version, {"value": 2.45}) == Decimal("1")
    assert score_response(version, {"value": "два"}) == Decimal("0")


def test_numeric_negative_with_a_typographic_minus(make: Any) -> None:
    version = make(ItemType.NUMERIC, body={"value": "-0.25"})
    assert score_response(version, {"value": "−0,25"}) == Decimal("1")
    assert score_response(version, {"value": "0,25"}) == Decimal("0")


def test_matching_partial_credit_per_correct_pair(make: Any) -> None:
    version = make(ItemType.MATCHING, max_points=3)
    assert score_response(version, {"pairs": {"1": "А", "2": "Б", "3": "В"}}) == Decimal("3.00")
    assert score_response(version, {"pairs": {"1": "А", "2": "В", "3": "Б"}}) == Decimal("1.00")
    assert score_response(version, {"pairs": {"1": "Г"}}) == Decimal("0.00")
    assert correct_response(version) == {"pairs": {"1": "А", "2": "Б", "3": "В"}}


def test_matching_all_or_nothing(make: Any) -> None:
    from .factories import BODIES

    version = make(ItemType.MATCHING, body={**BODIES[ItemType.MATCHING], "scoring": "all_or_nothing"})
    assert score_response(version, {"pairs": {"1": "А", "2": "Б", "3": "Г"}}) == Decimal("0")
    assert score_response(version, {"pairs": {"1": "А", "2": "Б", "3": "В"}}) == Decimal("1")


def test_extended_answer_needs_a_person(make: Any) -> None:
    version = make(ItemType.EXTENDED)
    assert score_response(version, {"text": "Решение..."}) is None
    assert correct_response(version)["rubric"].startswith("<p>2 балла")


def test_a_response_of_the_wrong_shape_is_refused_with_the_field(make: Any) -> None:
    single, numeric, matching = make(ItemType.SINGLE), make(ItemType.NUMERIC), make(ItemType.MATCHING)
    with pytest.raises(ResponseInvalidError) as error:
        validate_response(single, {"choice": "z"})
    assert error.value.field == "choice"
    with pytest.raises(ResponseInvalidError):
        validate_response(numeric, {"value": "abc"})
    with pytest.raises(ResponseInvalidError):
        validate_response(matching, {"pairs": {"9": "А"}})
    with pytest.raises(ResponseInvalidError):
        validate_response(single, ["b"])
    assert validate_response(single, {"choice": "b"}) == {"choice": "b"}
    assert validate_response(single, {"choice": None}) == {}
    assert validate_response(make(ItemType.MULTIPLE), {"choices": ["b", "a"]}) == {"choices": ["a", "b"]}
