"""Checking an item's content (``ItemVersion.body``) for its type; the shapes are
documented in :mod:`tutorials.diagnostics.scoring`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from ..errors import ItemInvalidError
from ..models import ItemType
from ..sanitising import sanitise_item_html as sanitise_html
from ..scoring import normalise, parse_number

MAX_CHOICES = 20
MAX_ANSWERS = 30
SCORINGS = ("partial", "all_or_nothing")


def _fail(message: str, field: str = "body") -> ItemInvalidError:
    return ItemInvalidError(message, field=field)


def _rows(value: Any, *, field: str, what: str) -> list[dict[str, Any]]:
    """Rows ``[{"id", "text", ...}]`` with unique non-empty ids and sanitised non-empty text."""
    if not isinstance(value, list):
        raise _fail(_("The list of %(what)s is missing.") % {"what": what}, field)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(value, start=1):
        if not isinstance(raw, dict):
            raise _fail(_("Row %(n)s of %(what)s is not filled in.") % {"n": index, "what": what}, field)
        row_id = str(raw.get("id") or "").strip()[:20]
        text = sanitise_html(str(raw.get("text") or ""))
        if not row_id or not text:
            raise _fail(_("Row %(n)s of %(what)s has no text.") % {"n": index, "what": what}, field)
        if row_id in seen:
            raise _fail(_("Two of %(what)s have the same id “%(id)s”.") % {"what": what, "id": row_id}, field)
        seen.add(row_id)
        rows.append({"id": row_id, "text": text})
    return rows


def _choices(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("choices")
    rows = _rows(raw, field="choices", what=_("options"))
    if not 2 <= len(rows) <= MAX_CHOICES:
        raise _fail(_("A choice item has from 2 to 20 options."), "choices")
    assert isinstance(raw, list)
    for row, source in zip(rows, raw, strict=True):
        row["correct"] = bool(source.get("correct"))
    correct = sum(1 for row in rows if row["correct"])
    if kind == ItemType.SINGLE and correct != 1:
        raise _fail(_("A single-choice item has exactly one correct option."), "choices")
    if kind == ItemType.MULTIPLE and correct < 1:
        raise _fail(_("Mark at least one correct option."), "choices")
    clean: dict[str, Any] = {"choices": rows, "shuffle": bool(body.get("shuffle", True))}
    if kind == ItemType.MULTIPLE:
        scoring = body.get("scoring") or "partial"
        if scoring not in SCORINGS:
            raise _fail(_("Unknown scoring rule."), "scoring")
        clean["scoring"] = scoring
    return clean


def _short(body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("answers")
    if isinstance(raw, str):
        raw = raw.split("\n")
    answers = [str(a).strip() for a in raw or [] if str(a).strip()]
    if not answers:
        raise _fail(_("Give at least one accepted answer."), "answers")
    if len(answers) > MAX_ANSWERS or any(len(a) > 500 for a in answers):
        raise _fail(_("At most 30 accepted answers of up to 500 characters."), "answers")
    unique: dict[str, str] = {}
    for answer in answers:
        unique.setdefault(normalise(answer), answer)
    return {"answers": list(unique.values())}


def _numeric(body: dict[str, Any]) -> dict[str, Any]:
    value = parse_number(body.get("value"))
    if value is None:
        raise _fail(_("The correct answer is a number, for example 3,5."), "value")
    raw_tolerance = body.get("tolerance")
    tolerance = Decimal(0) if raw_tolerance in (None, "") else parse_number(raw_tolerance)
    if tolerance is None or tolerance < 0:
        raise _fail(_("The tolerance is a number of 0 or more."), "tolerance")
    return {"value": str(value), "tolerance": str(tolerance), "unit": str(body.get("unit") or "")[:30]}


def _matching(body: dict[str, Any]) -> dict[str, Any]:
    left = _rows(body.get("left"), field="left", what=_("rows"))
    right = _rows(body.get("right"), field="right", what=_("answers to match"))
    if len(left) < 2 or len(right) < 2 or len(left) > MAX_CHOICES or len(right) > MAX_CHOICES:
        raise _fail(_("Matching has from 2 to 20 rows and answers."), "left")
    key_raw = body.get("key")
    if not isinstance(key_raw, dict):
        raise _fail(_("Say which answer matches each row."), "key")
    key = {str(k): str(v) for k, v in key_raw.items()}
    right_ids = {row["id"] for row in right}
    for row in left:
        if key.get(row["id"]) not in right_ids:
            raise _fail(_("Row “%(id)s” has no matching answer.") % {"id": row["id"]}, "key")
    scoring = body.get("scoring") or "partial"
    if scoring not in SCORINGS:
        raise _fail(_("Unknown scoring rule."), "scoring")
    return {
        "left": left,
        "right": right,
        "key": {row["id"]: key[row["id"]] for row in left},
        "scoring": scoring,
    }


def _extended(body: dict[str, Any], max_points: Decimal) -> dict[str, Any]:
    rubric = sanitise_html(str(body.get("rubric") or ""))
    if not rubric:
        raise _fail(_("Write the grading criteria (the rubric)."), "rubric")
    criteria = []
    for raw in body.get("criteria") or []:
        if not isinstance(raw, dict):
            continue
        text = str(raw.get("text") or "").strip()
        points = parse_number(raw.get("points"))
        if not text or points is None or points < 0:
            raise _fail(_("Each criterion has a text and its points."), "criteria")
        criteria.append({"text": text[:1000], "points": str(points)})
    if criteria and sum(Decimal(c["points"]) for c in criteria) > max_points:
        raise _fail(_("The criteria give more points than the item's maximum."), "criteria")
    return {"rubric": rubric, "criteria": criteria}


def clean_body(kind: str, body: Any, *, max_points: Decimal) -> dict[str, Any]:
    """The clean content of an item of type ``kind``, or :class:`ItemInvalidError`."""
    if not isinstance(body, dict):
        raise _fail(_("The item's content is missing."))
    if kind in (ItemType.SINGLE, ItemType.MULTIPLE):
        return _choices(kind, body)
    if kind == ItemType.SHORT:
        return _short(body)
    if kind == ItemType.NUMERIC:
        return _numeric(body)
    if kind == ItemType.MATCHING:
        return _matching(body)
    if kind == ItemType.EXTENDED:
        return _extended(body, max_points)
    raise _fail(_("Unknown item type."), "type")
