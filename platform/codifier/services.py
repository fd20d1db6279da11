"""Writes of the codifier: importing a codifier and a code mapping from a table.

The codifier is never typed by hand: the centre administrator imports FIPI's list from
an XLSX or CSV file.  An import checks every row first and reports each bad one with
its line and reason; only a file without problems is written, in one transaction.
"""

from __future__ import annotations

import re
from typing import IO, Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import User
from accounts.selectors import membership_for
from accounts.services import audit
from tenants.models import AcademicYear, Organisation, Subject

from .errors import CodifierInvalidError, CodifierPermissionError, ImportRejectedError
from .models import Codifier, CompetenceBlock, Exam, Topic, TopicMapping
from .tables import Row, read_table

CODE = re.compile(r"^\d{1,3}(\.\d{1,3}){0,4}$")
MAX_TOPICS = 2000

TOPIC_COLUMNS = {
    "code": "code", "код": "code", "код кэс": "code", "код элемента": "code",
    "title": "title", "название": "title", "наименование": "title", "элемент содержания": "title",
    "описание": "title",
    "parent": "parent", "parent code": "parent", "parent_code": "parent", "код раздела": "parent",
    "родитель": "parent", "раздел": "parent",
    "competence block": "block", "competence_block": "block", "block": "block", "блок": "block",
    "блок компетенций": "block",
}  # fmt: skip
MAPPING_COLUMNS = {
    "old": "old", "old code": "old", "old_code": "old", "старый код": "old", "код прошлого года": "old",
    "new": "new", "new code": "new", "new_code": "new", "новый код": "new", "код этого года": "new",
}  # fmt: skip

# Every way a block is written in a file: its value, its English label, Russian words.
BLOCK_WORDS = {
    **{value: value for value in CompetenceBlock.values},
    "нормативно-правовой": CompetenceBlock.NORMATIVE,
    "нормативный": CompetenceBlock.NORMATIVE,
    "предметный": CompetenceBlock.SUBJECT,
    "методический": CompetenceBlock.METHODICAL,
    "психолого-педагогический": CompetenceBlock.PSYCHOLOGICAL,
    "regulatory and legal": CompetenceBlock.NORMATIVE,
    "subject knowledge": CompetenceBlock.SUBJECT,
    "teaching methods": CompetenceBlock.METHODICAL,
    "psychology and pedagogy": CompetenceBlock.PSYCHOLOGICAL,
}


def _require_directory_keeper(actor: User, organisation: Organisation | None) -> Organisation:
    organisation = organisation or getattr(connection, "tenant", None)
    membership = membership_for(actor, organisation) if isinstance(organisation, Organisation) else None
    if not account_permissions.can_manage_directories(membership):
        raise CodifierPermissionError(_("Only the centre's administrator imports codifiers."))
    assert isinstance(organisation, Organisation)
    return organisation


def _line(row: Row) -> str:
    return _("line %(n)s") % {"n": row.line}


def _check_topic_rows(rows: list[Row]) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    topics: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    if len(rows) > MAX_TOPICS:
        return [], [("—", _("At most %(n)s topics per codifier.") % {"n": MAX_TOPICS})]
    for row in rows:
        code, title = row.get("code").rstrip("."), " ".join(row.get("title").split())
        block_text = row.get("block").lower().replace("ё", "е")
        reasons = []
        if not code:
            reasons.append(_("the code is empty"))
        elif not CODE.match(code):
            reasons.append(_("the code “%(code)s” is not like 1, 1.2 or 7.5.1") % {"code": code})
        elif code in seen:
            reasons.append(_("the code %(code)s is already on line %(n)s") % {"code": code, "n": seen[code]})
        if not title:
            reasons.append(_("the title is empty"))
        elif len(title) > 500:
            reasons.append(_("the title is longer than 500 characters"))
        if block_text and block_text not in BLOCK_WORDS:
            reasons.append(
                _("unknown competence block “%(block)s” (нормативно-правовой, предметный, методический, "
                  "психолого-педагогический)") % {"block": row.get("block")}
            )  # fmt: skip
        if reasons:
            problems.append((_line(row), "; ".join(reasons)))
            continue
        seen[code] = row.line
        topics.append(
            {
                "line": row.line,
                "code": code,
                "title": title,
                "parent": row.get("parent").rstrip("."),
                "block": BLOCK_WORDS.get(block_text, CompetenceBlock.SUBJECT),
            }
        )
    for topic in topics:
        parent = topic["parent"]
        if parent:
            if parent not in seen:
                problems.append(
                    (_("line %(n)s") % {"n": topic["line"]},
                     _("the parent code %(code)s is not in the file") % {"code": parent})
                )  # fmt: skip
            elif parent == topic["code"] or not topic["code"].startswith(parent + "."):
                problems.append(
                    (_("line %(n)s") % {"n": topic["line"]},
                     _("%(code)s cannot be inside %(parent)s") % {"code": topic["code"], "parent": parent})
                )  # fmt: skip
        elif "." in topic["code"]:
            # FIPI's codes say their section: "7.5" is inside "7" when the file has it.
            prefix = topic["code"].rsplit(".", 1)[0]
            topic["parent"] = prefix if prefix in seen else ""
    problems.sort(key=lambda p: int(p[0].split()[-1]) if p[0].split()[-1].isdigit() else 0)
    return topics, problems


@transaction.atomic
def codifier_import(
    *,
    subject: Subject,
    exam: str,
    academic_year: AcademicYear,
    title: str,
    stream: IO[bytes],
    filename: str,
    actor: User,
    source: str = "",
    organisation: Organisation | None = None,
) -> Codifier:
    """A new codifier with the file's topics (columns: code, title, optional parent code and
    competence block).  Refuses the whole file when any row is bad."""
    centre = _require_directory_keeper(actor, organisation)
    if exam not in Exam.values:
        raise CodifierInvalidError(_("Unknown exam."), field="exam")
    title = " ".join((title or "").split())
    if not title:
        raise CodifierInvalidError(_("Give the codifier a title."), field="title")
    if Codifier.objects.filter(subject=subject, exam=exam, academic_year=academic_year).exists():
        raise CodifierInvalidError(
            _("This subject already has a codifier for this exam and year; choose another year."),
            field="academic_year",
        )
    rows = read_table(stream, filename, TOPIC_COLUMNS, {"code", "title"})
    topics, problems = _check_topic_rows(rows)
    if not topics and not problems:
        problems = [("—", _("The file has no topics."))]
    if problems:
        raise ImportRejectedError(
            _("The codifier was not imported: %(n)s lines have problems.") % {"n": len(problems)},
            problems=problems,
        )
    codifier = Codifier.objects.create(
        subject=subject,
        exam=exam,
        academic_year=academic_year,
        title=title[:300],
        source=(source or filename)[:500],
        imported_by=actor,
    )
    created = Topic.objects.bulk_create(
        [
            Topic(
                codifier=codifier, code=t["code"], title=t["title"], competence_block=t["block"], position=i
            )
            for i, t in enumerate(topics)
        ]
    )
    by_code = {topic.code: topic for topic in created}
    children = []
    for data in topics:
        if data["parent"]:
            child = by_code[data["code"]]
            child.parent = by_code[data["parent"]]
            children.append(child)
    Topic.objects.bulk_update(children, ["parent"])
    audit(actor=actor, organisation=centre, action="codifier.import", target=codifier.pk, topics=len(created))
    return codifier


@transaction.atomic
def mapping_import(
    *,
    old_codifier: Codifier,
    new_codifier: Codifier,
    stream: IO[bytes],
    filename: str,
    actor: User,
    organisation: Organisation | None = None,
) -> int:
    """Which topic of ``new_codifier`` continues which of ``old_codifier`` (columns: old code,
    new code).  A code may map to several (a split) and several to one (a merge).
    Returns how many mappings are new; the whole file is refused when a row is bad."""
    centre = _require_directory_keeper(actor, organisation)
    if old_codifier.pk == new_codifier.pk or old_codifier.subject_id != new_codifier.subject_id:
        raise CodifierInvalidError(_("Map between two codifiers of the same subject."), field="new_codifier")
    rows = read_table(stream, filename, MAPPING_COLUMNS, {"old", "new"})
    old_topics = {t.code: t for t in old_codifier.topics.all()}
    new_topics = {t.code: t for t in new_codifier.topics.all()}
    problems: list[tuple[str, str]] = []
    pairs: dict[tuple[int, int], int] = {}
    for row in rows:
        old, new = row.get("old").rstrip("."), row.get("new").rstrip(".")
        reasons = []
        if old not in old_topics:
            reasons.append(_("%(codifier)s has no code “%(code)s”") % {"codifier": old_codifier, "code": old})
        if new not in new_topics:
            reasons.append(_("%(codifier)s has no code “%(code)s”") % {"codifier": new_codifier, "code": new})
        if not reasons:
            key = (old_topics[old].pk, new_topics[new].pk)
            if key in pairs:
                reasons.append(_("the same pair is already on line %(n)s") % {"n": pairs[key]})
            pairs[key] = row.line
        if reasons:
            problems.append((_line(row), "; ".join(reasons)))
    if not rows:
        problems.append(("—", _("The file has no rows.")))
    if problems:
        raise ImportRejectedError(
            _("The mapping was not imported: %(n)s lines have problems.") % {"n": len(problems)},
            problems=problems,
        )
    before = TopicMapping.objects.filter(old__codifier=old_codifier, new__codifier=new_codifier).count()
    TopicMapping.objects.bulk_create(
        [TopicMapping(old_id=old, new_id=new) for old, new in pairs], ignore_conflicts=True
    )
    after = TopicMapping.objects.filter(old__codifier=old_codifier, new__codifier=new_codifier).count()
    audit(
        actor=actor,
        organisation=centre,
        action="codifier.mapping_import",
        target=new_codifier.pk,
        added=after - before,
    )
    return after - before
