r"""Scoring one answer to one item version: the one place that reads ``ItemVersion.body``.

Content (``ItemVersion.body``) and answer (``response``) per type
------------------------------------------------------------------

``single``  body ``{"choices": [{"id": "a", "text": "<p>...</p>", "correct": true}, ...],
            "shuffle": true}`` with exactly one correct choice;
            response ``{"choice": "a"}``.
            Score: ``max_points`` for the correct choice, else 0.

``multiple`` body as ``single`` with one or more correct choices and
            ``"scoring": "partial"`` (default) or ``"all_or_nothing"``;
            response ``{"choices": ["a", "c"]}``.
            Partial credit: with C correct choices, each correct choice picked earns
            ``max_points / C`` and each wrong choice picked takes ``max_points / C`` away;
            the total is never below 0 (so picking every option earns nothing unless
            there are fewer wrong options than correct ones).  All-or-nothing: ``max_points``
            only for exactly the correct set.

``short``   body ``{"answers": ["3,5", "три целых пять десятых"]}`` (accepted answers);
            response ``{"text": "3.5"}``.
            Score: ``max_points`` if the answer equals an accepted one after :func:`normalise`
            (case, every kind of space removed, ё → е, a decimal comma → a point,
            "−" / "–" → "-"), else 0.

``numeric`` body ``{"value": "3.5", "tolerance": "0.05", "unit": "см"}`` (decimals as
            strings; tolerance 0 by default);
            response ``{"value": "3,5"}`` (a string or a number; comma or point, "−" or "-").
            Score: ``max_points`` if ``|answer - value| <= tolerance``, else 0.

``matching`` body ``{"left": [{"id": "1", "text": "..."}], "right": [{"id": "A", "text": "..."}],
            "key": {"1": "A", ...}, "scoring": "partial"}`` (``right`` may hold distractors;
            every left id has one key);
            response ``{"pairs": {"1": "A", "2": "C"}}``.
            Partial credit (default): ``max_points × (correct pairs) / (left rows)``;
            ``"all_or_nothing"``: ``max_points`` only when every pair is right.

``extended`` body ``{"rubric": "<p>criteria...</p>", "criteria": [{"text": "...", "points": 1}]}``;
            response ``{"text": "..."}``.
            Score: ``None`` — a person grades it against the rubric (at most ``max_points``).

An empty response (``{}``) is a valid "not answered" and scores 0 (extended: still None).
Scores are rounded half up to 0.01.  :func:`validate_response` checks a response's
shape before it is stored and returns its clean form; :func:`score_response` never raises
on a stored response.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from tutornet.errors import TutornetError

from .models import CHOICE_TYPES, ItemType, ItemVersion

CENT = Decimal("0.01")
MAX_TEXT_ANSWER = 20_000

_SPACES = re.compile(r"\s+", re.UNICODE)
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-"})


class ResponseInvalidError(TutornetError):
    """An answer whose shape does not fit the item (unknown choice, not a number, ...)."""

    code = "response_invalid"


def normalise(text: str) -> str:
    """The form in which short answers are compared: "  3,5 " == "3.5", "Ёлка" == "елка"."""
    text = str(text).casefold().replace("ё", "е").translate(_DASHES)
    # The comma first: "1, 2" (two numbers) must not become "1.2".
    text = _DECIMAL_COMMA.sub(".", text)
    return _SPACES.sub("", text)


def parse_number(value: Any) -> Decimal | None:
    """A decimal from "3,5", "−2", "1 000.5" or a number; None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = _SPACES.sub("", str(value)).translate(_DASHES).replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def choice_ids(version: ItemVersion) -> list[str]:
    """The ids of a choice item's options in the author's order (empty for other types):
    the item analysis counts the share choosing each."""
    if version.item.type not in CHOICE_TYPES:
        return []
    return [str(choice["id"]) for choice in version.body.get("choices", [])]


def correct_choice_ids(version: ItemVersion) -> list[str]:
    return [str(c["id"]) for c in version.body.get("choices", []) if c.get("correct")]


def correct_response(version: ItemVersion) -> dict[str, Any]:
    """The right answer in the response's own shape (shown to a teacher after the campaign
    closes); for an extended answer, the rubric."""
    body = version.body
    kind = version.item.type
    if kind == ItemType.SINGLE:
        ids = correct_choice_ids(version)
        return {"choice": ids[0] if ids else None}
    if kind == ItemType.MULTIPLE:
        return {"choices": correct_choice_ids(version)}
    if kind == ItemType.SHORT:
        answers = body.get("answers", [])
        return {"text": answers[0] if answers else ""}
    if kind == ItemType.NUMERIC:
        return {"value": str(body.get("value", ""))}
    if kind == ItemType.MATCHING:
        return {"pairs": dict(body.get("key", {}))}
    return {"rubric": body.get("rubric", "")}


def validate_response(version: ItemVersion, response: Any) -> dict[str, Any]:
    """The clean form of ``response`` for this version, or :class:`ResponseInvalidError`."""
    if not isinstance(response, dict):
        raise ResponseInvalidError(_("The answer must be an object."), field="response")
    kind = version.item.type
    if kind == ItemType.SINGLE:
        choice = response.get("choice")
        if choice in (None, ""):
            return {}
        if str(choice) not in choice_ids(version):
            raise ResponseInvalidError(_("There is no such option."), field="choice")
        return {"choice": str(choice)}
    if kind == ItemType.MULTIPLE:
        choices = response.get("choices") or []
        if not isinstance(choices, list):
            raise ResponseInvalidError(_("Choose options from the list."), field="choices")
        known = choice_ids(version)
        picked = [str(c) for c in choices]
        if any(c not in known for c in picked):
            raise ResponseInvalidError(_("There is no such option."), field="choices")
        return {"choices": [c for c in known if c in picked]} if picked else {}
    if kind in (ItemType.SHORT, ItemType.EXTENDED):
        text = response.get("text")
        if text in (None, ""):
            return {}
        if not isinstance(text, str) or len(text) > MAX_TEXT_ANSWER:
            raise ResponseInvalidError(_("The answer is not text or is too long."), field="text")
        return {"text": text}
    if kind == ItemType.NUMERIC:
        value = response.get("value")
        if value in (None, ""):
            return {}
        if parse_number(value) is None:
            raise ResponseInvalidError(_("Enter a number, for example 3,5."), field="value")
        return {"value": str(value).strip()}
    if kind == ItemType.MATCHING:
        pairs = response.get("pairs") or {}
        if not isinstance(pairs, dict):
            raise ResponseInvalidError(_("Match the rows with the options."), field="pairs")
        lefts = {str(row["id"]) for row in version.body.get("left", [])}
        rights = {str(row["id"]) for row in version.body.get("right", [])}
        clean = {str(k): str(v) for k, v in pairs.items() if v not in (None, "")}
        if any(k not in lefts or v not in rights for k, v in clean.items()):
            raise ResponseInvalidError(_("There is no such row or option."), field="pairs")
        return {"pairs": clean} if clean else {}
    raise ResponseInvalidError(_("Unknown item type."))


def score_response(version: ItemVersion, response: dict[str, Any] | None) -> Decimal | None:
    """Points for ``response`` (0..max_points), or None when a person must grade it."""
    kind = version.item.type
    if kind == ItemType.EXTENDED:
        return None
    response = response if isinstance(response, dict) else {}
    body = version.body
    top = Decimal(version.max_points)
    if kind == ItemType.SINGLE:
        return top if str(response.get("choice")) in correct_choice_ids(version) else Decimal("0.00")
    if kind == ItemType.MULTIPLE:
        correct = set(correct_choice_ids(version))
        raw = response.get("choices")
        picked = {str(c) for c in raw} if isinstance(raw, list) else set()
        if not correct or not picked:
            return Decimal("0.00")
        if body.get("scoring") == "all_or_nothing":
            return top if picked == correct else Decimal("0.00")
        earned = len(picked & correct) - len(picked - correct)
        return _round(top * max(earned, 0) / len(correct))
    if kind == ItemType.SHORT:
        given = normalise(response.get("text") or "")
        accepted = {normalise(a) for a in body.get("answers", [])}
        return top if given and given in accepted else Decimal("0.00")
    if kind == ItemType.NUMERIC:
        given_number = parse_number(response.get("value"))
        target = parse_number(body.get("value"))
        tolerance = abs(parse_number(body.get("tolerance")) or Decimal(0))
        if given_number is None or target is None:
            return Decimal("0.00")
        return top if abs(given_number - target) <= tolerance else Decimal("0.00")
    if kind == ItemType.MATCHING:
        key = {str(k): str(v) for k, v in body.get("key", {}).items()}
        raw_pairs = response.get("pairs")
        pairs = {str(k): str(v) for k, v in raw_pairs.items()} if isinstance(raw_pairs, dict) else {}
        if not key:
            return Decimal("0.00")
        right = sum(1 for left, answer in key.items() if pairs.get(left) == answer)
        if body.get("scoring") == "all_or_nothing":
            return top if right == len(key) else Decimal("0.00")
        return _round(top * right / len(key))
    return Decimal("0.00")
