"""Reading a Moodle XML question file (Moodle's "Moodle XML format", question/format/xml).

Supported types and what they become:

* ``multichoice`` → single choice (``<single>true``) or multiple choice (partial credit);
  an answer with ``fraction`` > 0 is correct;
* ``truefalse`` → single choice «Верно» / «Неверно»;
* ``shortanswer`` → short answer: the answers with ``fraction="100"``;
* ``numerical`` → numeric: the 100 % answer and its ``<tolerance>``, the unit of multiplier 1;
* ``matching`` → matching: ``<subquestion>`` rows; one with empty text is an extra answer;
* ``essay`` → extended answer: ``<graderinfo>`` is the rubric.

``<defaultgrade>`` gives the points.  ``<tags>`` whose text is a codifier code ("7.5.8" or
"КЭС 7.5.8") give the topics.  Pictures embedded as ``<file encoding="base64">`` and
referenced as ``@@PLUGINFILE@@/name`` come along.  Other types (``category`` aside) are
reported as not supported.  The XML is parsed with defusedxml (no entities, no network).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _

from ..models import ItemType

TAG_CODE = re.compile(r"^(?:кэс|код|kes)?\s*:?\s*(\d{1,3}(?:\.\d{1,3}){0,4})$", re.IGNORECASE)
SUPPORTED = {"multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay"}
DEFAULT_RUBRIC = "<p>Оценивается экспертом по критериям / Graded by an expert against the criteria.</p>"


@dataclass
class ParsedItem:
    position: str
    type: str
    name: str
    text: str
    body: dict[str, Any]
    max_points: Any
    topic_codes: list[str]
    images: list[tuple[str, bytes]] = field(default_factory=list)


class MoodleFileError(Exception):
    pass


def _text(element: Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _html(element: Element | None) -> str:
    """A Moodle text field as HTML: plain and Moodle formats are escaped with line breaks kept."""
    if element is None:
        return ""
    text = _text(element)
    if element.get("format", "html") in ("html", "markdown"):
        return text
    return html.escape(text).replace("\n", "<br>")


def _files(element: Element | None) -> list[tuple[str, bytes]]:
    files = []
    for node in element.findall("file") if element is not None else []:
        if node.get("encoding") != "base64":
            continue
        try:
            files.append((node.get("name") or "image", base64.b64decode(node.text or "", validate=False)))
        except (binascii.Error, ValueError):
            continue
    return files


def _fraction(answer: Element) -> float:
    try:
        return float(answer.get("fraction") or 0)
    except ValueError:
        return 0.0


def _body(kind: str, question: Element) -> tuple[str, dict[str, Any]]:
    answers = question.findall("answer")
    if kind == "multichoice":
        single = _text(question, "single").lower() in ("true", "1")
        choices = [
            {"id": str(i + 1), "text": _html(a), "correct": _fraction(a) > 0} for i, a in enumerate(answers)
        ]
        shuffle = _text(question, "shuffleanswers").lower() not in ("false", "0")
        body: dict[str, Any] = {"choices": choices, "shuffle": shuffle}
        if not single:
            body["scoring"] = "partial"
        return (ItemType.SINGLE if single else ItemType.MULTIPLE), body
    if kind == "truefalse":
        true_right = any(_text(a).lower() == "true" and _fraction(a) >= 100 for a in answers)
        choices = [
            {"id": "true", "text": "Верно", "correct": true_right},
            {"id": "false", "text": "Неверно", "correct": not true_right},
        ]
        return ItemType.SINGLE, {"choices": choices, "shuffle": False}
    if kind == "shortanswer":
        return ItemType.SHORT, {"answers": [_text(a) for a in answers if _fraction(a) >= 100]}
    if kind == "numerical":
        right = next((a for a in answers if _fraction(a) >= 100), None)
        unit = next(
            (
                _text(u, "unit_name")
                for u in question.iterfind("units/unit")
                if _text(u, "multiplier") in ("1", "1.0")
            ),
            "",
        )
        if right is None:
            return ItemType.NUMERIC, {"value": ""}
        return ItemType.NUMERIC, {
            "value": _text(right),
            "tolerance": _text(right, "tolerance") or "0",
            "unit": unit,
        }
    if kind == "matching":
        from ..forms import LETTERS

        rows = [(_html(sub), _text(sub.find("answer"))) for sub in question.findall("subquestion")]
        texts = sorted({answer for _q, answer in rows if answer}, key=str.casefold)
        letter = {t: LETTERS[i] if i < len(LETTERS) else str(i + 1) for i, t in enumerate(texts)}
        left = [(q, a) for q, a in rows if q]
        return ItemType.MATCHING, {
            "left": [{"id": str(i + 1), "text": q} for i, (q, _a) in enumerate(left)],
            "right": [{"id": letter[t], "text": t} for t in texts],
            "key": {str(i + 1): letter.get(a, "") for i, (_q, a) in enumerate(left)},
            "scoring": "partial",
        }
    return ItemType.EXTENDED, {"rubric": _html(question.find("graderinfo")) or DEFAULT_RUBRIC}


def parse_moodle_xml(raw: bytes) -> tuple[list[ParsedItem], list[tuple[str, str]]]:
    """The file's questions and the problems of those that cannot be imported."""
    try:
        root = ElementTree.fromstring(raw, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise MoodleFileError(_("The file is not Moodle XML: %(error)s") % {"error": exc}) from exc
    if root.tag != "quiz":
        raise MoodleFileError(_("The file is not Moodle XML: its root is not <quiz>."))
    items: list[ParsedItem] = []
    problems: list[tuple[str, str]] = []
    number = 0
    for question in root.findall("question"):
        kind = question.get("type", "")
        if kind == "category":
            continue
        number += 1
        name = _text(question.find("name"))
        position = _("question %(n)s «%(name)s»") % {"n": number, "name": name[:60]}
        if kind not in SUPPORTED:
            problems.append((position, _("the type “%(type)s” is not supported") % {"type": kind}))
            continue
        text_element = question.find("questiontext")
        item_type, body = _body(kind, question)
        codes = []
        for tag in question.iterfind("tags/tag"):
            match = TAG_CODE.match(_text(tag))
            if match:
                codes.append(match.group(1))
        items.append(
            ParsedItem(
                position=position,
                type=item_type,
                name=name,
                text=_html(text_element),
                body=body,
                max_points=_text(question, "defaultgrade") or "1",
                topic_codes=codes,
                images=_files(text_element),
            )
        )
    return items, problems
