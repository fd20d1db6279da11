"""Staff import: a school's office invites its staff from one CSV file, all or nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.models import Organisation, Subject
from tutornet.errors import TutornetError

from .. import permissions
from ..models import Membership, Role, User, email_key
from .common import audit, require
from .invitations import InvitationRow, invitations_write

CSV_COLUMNS = {
    # Russian headings first: the file comes from a school's office.
    "email": "email",
    "e-mail": "email",
    "почта": "email",
    "фамилия": "last_name",
    "surname": "last_name",
    "last_name": "last_name",
    "имя": "first_name",
    "first_name": "first_name",
    "name": "first_name",
    "отчество": "patronymic",
    "patronymic": "patronymic",
    "роль": "role",
    "role": "role",
    "предметы": "subjects",
    "subjects": "subjects",
}
ROLE_WORDS = {
    "учитель": Role.TEACHER,
    "педагог": Role.TEACHER,
    "teacher": Role.TEACHER,
    "тьютор": Role.TUTOR,
    "tutor": Role.TUTOR,
    "администратор": Role.SCHOOL_ADMIN,
    "school_admin": Role.SCHOOL_ADMIN,
    "методист": Role.METHODOLOGIST,
    "methodologist": Role.METHODOLOGIST,
    "centre_admin": Role.CENTRE_ADMIN,
}
MAX_CSV_ROWS = 2000


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class ImportResult:
    invited: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class CsvImportError(TutornetError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(gettext_lazy("The file was not imported."), field="file")
        self.errors = errors


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):  # Excel on Russian Windows saves CSV in cp1251
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvImportError([RowError(0, _("The file is not text in UTF-8 or Windows-1251."))])


def _parse_staff_csv(raw: bytes, organisation: Organisation) -> tuple[list[dict], list[RowError]]:
    text = _decode(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect)
    rows = list(reader)
    if not rows:
        return [], [RowError(0, _("The file is empty."))]
    header = [CSV_COLUMNS.get(h.strip().lower()) for h in rows[0]]
    if "email" not in header or "role" not in header:
        return [], [RowError(1, _("The first line must name the columns; “email” and “роль” are required."))]
    if len(rows) - 1 > MAX_CSV_ROWS:
        return [], [RowError(0, _("At most %(n)s people per file.") % {"n": MAX_CSV_ROWS})]
    subjects_by_name = {s.name.lower(): s for s in Subject.objects.filter(is_active=True)}
    grantable = set(permissions.grantable_roles(organisation))
    # One query for the whole file, not one per row.
    email_column = header.index("email")
    members = set(
        Membership.objects.filter(
            organisation=organisation,
            is_active=True,
            user__email__in={
                email_key(cells[email_column]) for cells in rows[1:] if email_column < len(cells)
            },
        ).values_list("user__email", flat=True)
    )
    parsed: list[dict] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name}
        email = email_key(values.get("email", ""))
        try:
            validate_email(email)
        except ValidationError:
            errors.append(RowError(line, _("“%(email)s” is not a valid e-mail address.") % {"email": email}))
            continue
        if email in seen:
            errors.append(
                RowError(
                    line, _("%(email)s is already on line %(line)s.") % {"email": email, "line": seen[email]}
                )
            )
            continue
        seen[email] = line
        role = ROLE_WORDS.get(values.get("role", "").lower())
        if role is None or role not in grantable:
            errors.append(
                RowError(
                    line,
                    _("Unknown role “%(role)s”. Possible roles: %(roles)s.")
                    % {
                        "role": values.get("role", ""),
                        "roles": ", ".join(str(r.label).lower() for r in grantable),
                    },
                )
            )
            continue
        subjects = []
        unknown = []
        for name in filter(
            None, (s.strip() for s in values.get("subjects", "").replace(";", ",").split(","))
        ):
            subject = subjects_by_name.get(name.lower())
            if subject is None:
                unknown.append(name)
            else:
                subjects.append(subject)
        if unknown:
            errors.append(RowError(line, _("Unknown subjects: %(names)s.") % {"names": ", ".join(unknown)}))
            continue
        if email in members:
            errors.append(RowError(line, _("%(email)s is already a member.") % {"email": email}))
            continue
        parsed.append({**values, "email": email, "role": role, "subjects": subjects, "line": line})
    return parsed, errors


@transaction.atomic
def staff_import_csv(
    *, organisation: Organisation, raw: bytes, actor: User, actor_membership: Membership | None
) -> ImportResult:
    """Invite everyone in a CSV file, or nobody.

    The whole file is refused when any row is bad: every bad row is reported
    with its line number and reason, and no invitation is sent, so the school
    fixes the file and uploads it again without duplicates.
    """
    require(
        permissions.can_manage_staff(actor_membership)
        and permissions.within(actor_membership, organisation.pk)
    )
    rows, errors = _parse_staff_csv(raw, organisation)
    if errors:
        raise CsvImportError(errors)
    if not rows:
        raise CsvImportError([RowError(0, _("The file has no people in it."))])
    invitation_rows = [
        InvitationRow(
            email=row["email"],
            role=row["role"],
            subjects=row["subjects"],
            last_name=row.get("last_name", ""),
            first_name=row.get("first_name", ""),
            patronymic=row.get("patronymic", ""),
        )
        for row in rows
    ]
    try:
        with transaction.atomic():
            invitations_write(organisation=organisation, rows=invitation_rows, actor=actor)
    except IntegrityError:
        # Someone invited one of these people at the same moment: the file still goes whole or not at all.
        raise CsvImportError(
            [RowError(0, _("Someone else invited people from this file just now. Upload the file again."))]
        ) from None
    result = ImportResult(invited=[row.email for row in invitation_rows])
    audit(
        actor=actor,
        organisation=organisation,
        action="staff.import_csv",
        target=f"{len(result.invited)} rows",
    )
    return result
