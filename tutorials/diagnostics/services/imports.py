"""Importing items into the bank from Moodle XML or from the bank's XLSX template.

Every item of the file is checked first, exactly as one typed on the page would be;
each bad one is reported with its position (the question's number and name, or the
line) and the reason.  Only a file without problems is written, in one transaction.
"""

from __future__ import annotations

import io
import re
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts.models import User
from accounts.services import audit
from codifier.errors import ImportRejectedError
from codifier.models import Codifier
from codifier.tables import read_table
from tutornet.errors import TutornetError
from tutornet.xlsx import append_row

from ..forms import body_from_fields
from ..models import Item, ItemType
from ..permissions import require_bank
from .items import clean_all, item_image_add, write_item
from .moodle import MoodleFileError, ParsedItem, parse_moodle_xml

MAX_BYTES = 10 * 1024 * 1024
MAX_ITEMS = 1000

TYPE_WORDS = {
    **{value: value for value in ItemType.values},
    "одиночный выбор": ItemType.SINGLE, "один ответ": ItemType.SINGLE,
    "множественный выбор": ItemType.MULTIPLE, "несколько ответов": ItemType.MULTIPLE,
    "краткий ответ": ItemType.SHORT, "короткий ответ": ItemType.SHORT,
    "число": ItemType.NUMERIC, "числовой ответ": ItemType.NUMERIC,
    "соответствие": ItemType.MATCHING, "развёрнутый ответ": ItemType.EXTENDED,
    "развернутый ответ": ItemType.EXTENDED,
}  # fmt: skip
TEMPLATE_COLUMNS = [
    ("type", "Тип / type"),
    ("name", "Название / name"),
    ("text", "Текст / text"),
    ("topics", "Коды КЭС / topic codes"),
    ("points", "Баллы / points"),
    ("options", "Варианты (* верный) / options"),
    ("answers", "Ответы / answers"),
    ("value", "Число / number"),
    ("tolerance", "Погрешность / tolerance"),
    ("pairs", "Пары (слева = справа) / pairs"),
    ("distractors", "Лишние ответы / extra answers"),
    ("scoring", "Оценивание / scoring"),
    ("rubric", "Критерии / rubric"),
]
TEMPLATE_ALIASES = {
    **{key: key for key, _label in TEMPLATE_COLUMNS},
    **{label.lower(): key for key, label in TEMPLATE_COLUMNS},
    **{label.split(" / ")[0].lower(): key for key, label in TEMPLATE_COLUMNS},
}
TEMPLATE_EXAMPLES = [
    ["одиночный выбор", "Сравнение дробей", "Какое из чисел больше \\(\\frac{3}{7}\\)?", "1.2.1", 1,
     "0,4\n*0,5\n0,25\n0,3", "", "", "", "", "", "", ""],
    ["множественный выбор", "Корни уравнения", "Отметьте корни уравнения \\(x^2-5x+6=0\\)", "3.1.3", 2,
     "*2\n*3\n-2\n-3", "", "", "", "", "", "partial", ""],
    ["краткий ответ", "Значение", "Найдите значение выражения \\(\\frac{7}{4}\\cdot 2\\)", "1.2.2", 1,
     "", "3,5", "", "", "", "", "", ""],
    ["число", "Площадь", "Найдите площадь прямоугольника 2,5 на 4 (в см²)", "7.5.4", 1,
     "", "", "10", "0", "", "", "", ""],
    ["соответствие", "Графики", "Установите соответствие между функциями и графиками", "5.1.5, 5.1.7", 2,
     "", "", "", "", "y = 2x = прямая\ny = x² = парабола", "гипербола", "partial", ""],
    ["развёрнутый ответ", "Уравнение", "Решите уравнение \\(x^4 = (x-20)^2\\)", "3.1.5", 2,
     "", "", "", "", "", "", "", "2 балла: обоснованно получен верный ответ.\n1 балл: ..."],
]  # fmt: skip


def template_workbook() -> bytes:
    """The XLSX template the import page offers: the columns and one example per type."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Задания"
    append_row(sheet, [label for _key, label in TEMPLATE_COLUMNS], bold=True)
    for row in TEMPLATE_EXAMPLES:
        append_row(sheet, row)
    for column in "ABCDEFGHIJKLM":
        sheet.column_dimensions[column].width = 24
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _parse_xlsx(stream: IO[bytes], filename: str) -> tuple[list[ParsedItem], list[tuple[str, str]]]:
    rows = read_table(stream, filename, TEMPLATE_ALIASES, {"type", "text"})
    items, problems = [], []
    for row in rows:
        position = _("line %(n)s") % {"n": row.line}
        kind = TYPE_WORDS.get(row.get("type").lower().replace("ё", "е").strip()) or TYPE_WORDS.get(
            row.get("type").lower().strip()
        )
        if kind is None:
            problems.append((position, _("unknown type “%(type)s”") % {"type": row.get("type")}))
            continue
        text = row.get("text")
        if "<" not in text:  # plain text from a spreadsheet: keep its line breaks
            text = "<p>" + text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>") + "</p>"
        codes = [c.strip() for c in row.get("topics").replace(";", ",").split(",") if c.strip()]
        items.append(
            ParsedItem(
                position=position,
                type=kind,
                name=row.get("name"),
                text=text,
                body=body_from_fields(kind, row.values),
                max_points=row.get("points") or "1",
                topic_codes=codes,
            )
        )
    return items, problems


@transaction.atomic
def items_import(
    *,
    stream: IO[bytes],
    filename: str,
    codifier: Codifier,
    actor: User,
    default_topic_codes: list[str] | None = None,
) -> list[Item]:
    """All the file's items in the bank of this organisation, or none (``ImportRejectedError``).

    Topics: the item's own codes (Moodle tags, the template's column) in ``codifier``,
    else ``default_topic_codes``."""
    membership = require_bank(actor)
    name = filename.lower()
    try:
        if name.endswith(".xml"):
            raw = stream.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                raise ImportRejectedError(
                    _("The file was not imported."), problems=[("—", _("The file is larger than 10 MB."))]
                )
            parsed, problems = parse_moodle_xml(raw)
        elif name.endswith((".xlsx", ".csv")):
            parsed, problems = _parse_xlsx(stream, filename)
        else:
            raise ImportRejectedError(
                _("The file was not imported."),
                problems=[("—", _("Upload Moodle XML (.xml) or the bank's template (.xlsx)."))],
            )
    except MoodleFileError as exc:
        raise ImportRejectedError(_("The file was not imported."), problems=[("—", str(exc))]) from exc
    if len(parsed) > MAX_ITEMS:
        problems.append(("—", _("At most %(n)s items per file.") % {"n": MAX_ITEMS}))
    if not parsed and not problems:
        problems.append(("—", _("The file has no items.")))
    topics_by_code = {t.code: t for t in codifier.topics.all()}
    default = [c for c in (default_topic_codes or []) if c]
    ready: list[tuple[ParsedItem, tuple[str, dict[str, Any], Any, list[Any]]]] = []
    for item in parsed:
        codes = item.topic_codes or default
        unknown = [c for c in codes if c not in topics_by_code]
        if unknown:
            problems.append(
                (item.position, _("no such codes in the codifier: %(codes)s") % {"codes": ", ".join(unknown)})
            )
            continue
        if not codes:
            problems.append(
                (item.position, _("no codifier topic: tag it with a code or choose topics for the file"))
            )
            continue
        try:
            cleaned = clean_all(
                kind=item.type, subject=codifier.subject, text=item.text, body=item.body,
                max_points=item.max_points, topics=[topics_by_code[c] for c in codes],
            )  # fmt: skip
        except TutornetError as exc:
            problems.append((item.position, exc.message))
            continue
        ready.append((item, cleaned))
    if problems:
        problems.sort(key=_order)
        raise ImportRejectedError(
            _("Nothing was imported: %(n)s items have problems.") % {"n": len(problems)}, problems=problems
        )
    created = []
    for item, (text, body, points, topics) in ready:
        written = write_item(
            subject=codifier.subject, type=item.type, name=item.name, text=text, body=body, points=points,
            topics=topics, actor=actor,
        )  # fmt: skip
        if item.images:
            _attach_images(written, item, actor)
        created.append(written)
    audit(
        actor=actor, organisation=membership.organisation, action="diagnostics.items_import",
        target=filename[:100], items=len(created),
    )  # fmt: skip
    return created


def _order(problem: tuple[str, str]) -> int:
    """Problems in the file's order: by the number in "question 3 «…»" or "line 7"."""
    match = re.search(r"\d+", problem[0])
    return int(match.group()) if match else 0


def _attach_images(item: Item, parsed: ParsedItem, actor: User) -> None:
    """Store the question's embedded pictures and point its text at them."""
    version = item.current_version
    assert version is not None
    text = version.text
    for name, data in parsed.images:
        try:
            image = item_image_add(item=item, file=ContentFile(data, name=name), actor=actor)
        except TutornetError as exc:
            raise ImportRejectedError(
                _("Nothing was imported: %(n)s items have problems.") % {"n": 1},
                problems=[(parsed.position, exc.message)],
            ) from exc
        text = text.replace(f"@@PLUGINFILE@@/{name}", reverse("diagnostics:image", args=[image.pk]))
    version.text = text
    version.save(update_fields=["text"])
