"""Writes about people: invitations, memberships, profiles.

Each function is one transaction: it checks permission, validates, writes,
records an audit event and queues notifications on commit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import Kind
from notifications.services import notification_create
from tenants.models import Organisation, Subject
from tenants.selectors import organisation_url
from tutornet.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TutornetError,
    unique_or_conflict,
)

from . import permissions
from .models import AuditEvent, Invitation, Membership, Role, User, email_key


class InvitationInvalidError(TutornetError):
    status = 410
    code = "invitation_invalid"


def audit(
    *, actor: User | None, organisation: Organisation | None, action: str, target: object = "", **data: object
) -> None:
    AuditEvent.objects.create(
        actor=actor, organisation=organisation, action=action, target=str(target)[:200], data=data
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("You do not have permission to do this."))


def _check_role(organisation: Organisation, role: str) -> Role:
    grantable = permissions.grantable_roles(organisation)
    if role not in grantable:
        raise TutornetError(
            _("The role “%(role)s” does not exist in this organisation. Possible roles: %(roles)s.")
            % {"role": role, "roles": ", ".join(str(r.label) for r in grantable)},
            field="role",
        )
    return Role(role)


def _clean_email(email: str) -> str:
    email = email_key(email)
    try:
        validate_email(email)
    except ValidationError:
        raise TutornetError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": email}, field="email"
        ) from None
    return email


# --- invitations -----------------------------------------------------------------


def _send_invitation(invitation: Invitation, token: str) -> None:
    recipient = User.objects.filter(email=invitation.email).first()
    organisation = invitation.organisation
    with translation.override(recipient.language if recipient else settings.LANGUAGE_CODE):
        role = Role(invitation.role).label
        subject = _("Invitation to Tutornet: %(organisation)s") % {"organisation": organisation.short_name}
        body = _(
            "You are invited to join “%(organisation)s” on Tutornet as %(role)s.\n"
            "Open the link below to accept. It can be used once and is valid until %(expires)s."
        ) % {
            "organisation": organisation.name,
            "role": role,
            "expires": timezone.localtime(invitation.expires_at, organisation.zone).strftime(
                "%d.%m.%Y %H:%M"
            ),
        }
    notification_create(
        kind=Kind.INVITATION,
        recipient=recipient,
        email=invitation.email,
        subject=subject,
        body=body,
        link=organisation_url(organisation, f"/invite/{token}/"),
        organisation=organisation,
        in_app=False,
    )


def _invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    actor: User | None,
    subjects: Iterable[Subject] = (),
    last_name: str = "",
    first_name: str = "",
    patronymic: str = "",
) -> Invitation:
    email = _clean_email(email)
    role = _check_role(organisation, role)
    if Membership.objects.filter(organisation=organisation, user__email=email, is_active=True).exists():
        raise ConflictError(
            _("%(email)s is already a member of %(organisation)s.")
            % {"email": email, "organisation": organisation.short_name},
            field="email",
        )
    # Inviting again replaces the open invitation: the old link stops working.
    Invitation.objects.filter(
        organisation=organisation, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        patronymic=patronymic.strip(),
        token_hash=token_hash,
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.subjects.set(list(subjects))
    audit(actor=actor, organisation=organisation, action="invitation.create", target=email, role=role)
    _send_invitation(invitation, token)
    return invitation


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    actor: User,
    actor_membership: Membership | None,
    subjects: Iterable[Subject] = (),
    last_name: str = "",
    first_name: str = "",
    patronymic: str = "",
) -> Invitation:
    """Invite one person to the organisation; the e-mail carries a single-use link."""
    _require(
        permissions.can_manage_staff(actor_membership)
        and permissions.within(actor_membership, organisation.pk)
    )
    return _invitation_create(
        organisation=organisation,
        email=email,
        role=role,
        actor=actor,
        subjects=subjects,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
    )


@transaction.atomic
def invitation_create_for_onboarding(*, organisation: Organisation, email: str, actor: User) -> Invitation:
    """The first administrator of a freshly onboarded school (called by the onboarding service)."""
    return _invitation_create(organisation=organisation, email=email, role=Role.SCHOOL_ADMIN, actor=actor)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User, actor_membership: Membership | None) -> None:
    _require(
        permissions.can_manage_staff(actor_membership)
        and permissions.within(actor_membership, invitation.organisation_id)
    )
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=timezone.now())
    audit(
        actor=actor, organisation=invitation.organisation, action="invitation.revoke", target=invitation.email
    )


def invitation_check(invitation: Invitation | None) -> Invitation:
    """Raise a clear error for a link that can no longer be used."""
    if invitation is None:
        raise InvitationInvalidError(
            _("This invitation link is not valid. Ask your administrator for a new one.")
        )
    if invitation.accepted_at is not None:
        raise InvitationInvalidError(
            _("This invitation has already been used. Sign in with your e-mail and password.")
        )
    if invitation.revoked_at is not None:
        raise InvitationInvalidError(
            _("This invitation was withdrawn. Ask your administrator for a new one.")
        )
    if invitation.is_expired:
        raise InvitationInvalidError(_("This invitation has expired. Ask your administrator for a new one."))
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    password: str | None = None,
    last_name: str = "",
    first_name: str = "",
    patronymic: str = "",
) -> Membership:
    """Turn an invitation into a membership, creating the person if they are new.

    Single use: the invitation row is locked, so two clicks on the same link
    make one membership and the second gets a clear refusal.
    """
    invitation = invitation_check(
        Invitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    existing = User.objects.filter(email=invitation.email).first()
    if existing is not None:
        if user is None or user.pk != existing.pk:
            raise PermissionDeniedError(
                _("An account with %(email)s already exists. Sign in with it to accept the invitation.")
                % {"email": invitation.email}
            )
        person = existing
    else:
        if user is not None and user.is_authenticated:
            raise PermissionDeniedError(
                _("This invitation is for %(email)s. Sign out first to accept it.")
                % {"email": invitation.email}
            )
        if not (last_name or invitation.last_name) or not (first_name or invitation.first_name):
            raise TutornetError(_("Enter your surname and first name."), field="last_name")
        person = User(
            email=invitation.email,
            last_name=(last_name or invitation.last_name).strip(),
            first_name=(first_name or invitation.first_name).strip(),
            patronymic=(patronymic or invitation.patronymic).strip(),
        )
        try:
            validate_password(password or "", person)
        except ValidationError as exc:
            raise TutornetError(" ".join(exc.messages), field="password") from None
        person.set_password(password)
        # Two invitations for one new address accepted at the same moment: one account, one 409.
        with unique_or_conflict(
            _("An account with %(email)s was just created. Sign in with it to accept the invitation.")
            % {"email": invitation.email}
        ):
            person.save()

    membership, _created = Membership.objects.update_or_create(
        user=person,
        organisation=invitation.organisation,
        defaults={"role": invitation.role, "is_active": True},
    )
    membership.subjects.set(invitation.subjects.all())
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = person
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit(actor=person, organisation=invitation.organisation, action="invitation.accept", target=person.email)

    with translation.override(person.language):
        notification_create(
            kind=Kind.WELCOME,
            recipient=person,
            subject=_("Welcome to %(organisation)s") % {"organisation": invitation.organisation.short_name},
            body=_("You joined “%(organisation)s” on Tutornet as %(role)s.")
            % {"organisation": invitation.organisation.name, "role": Role(invitation.role).label},
            link=organisation_url(invitation.organisation, "/"),
            organisation=invitation.organisation,
        )
    if invitation.invited_by is not None:
        inviter = invitation.invited_by
        with translation.override(inviter.language):
            notification_create(
                kind=Kind.MEMBERSHIP_CHANGED,
                recipient=inviter,
                subject=_("%(person)s accepted the invitation") % {"person": person.get_full_name()},
                body=_("%(person)s (%(email)s) joined %(organisation)s as %(role)s.")
                % {
                    "person": person.get_full_name(),
                    "email": person.email,
                    "organisation": invitation.organisation.short_name,
                    "role": Role(invitation.role).label,
                },
                link=organisation_url(invitation.organisation, "/staff/"),
                organisation=invitation.organisation,
            )
    return membership


# --- memberships ---------------------------------------------------------------------


def _managed_membership(membership_id: int, actor_membership: Membership | None) -> Membership:
    _require(permissions.can_manage_staff(actor_membership))
    assert actor_membership is not None
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "organisation")
        .filter(pk=membership_id, organisation=actor_membership.organisation)
        .first()
    )
    if membership is None:  # another organisation's membership looks exactly like a missing one
        raise NotFoundError(_("No such member in this organisation."))
    return membership


def _notify_membership_changed(membership: Membership, text: str) -> None:
    with translation.override(membership.user.language):
        notification_create(
            kind=Kind.MEMBERSHIP_CHANGED,
            recipient=membership.user,
            subject=_("Your role in %(organisation)s changed")
            % {"organisation": membership.organisation.short_name},
            body=str(text),
            link=organisation_url(membership.organisation, "/"),
            organisation=membership.organisation,
        )


def _ensure_other_admin_remains(membership: Membership) -> None:
    admin_role = Role.SCHOOL_ADMIN if membership.organisation.is_school else Role.CENTRE_ADMIN
    if membership.role != admin_role:
        return
    others = Membership.objects.filter(
        organisation=membership.organisation, role=admin_role, is_active=True, user__is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ConflictError(_("The organisation must keep at least one active administrator."), field="role")


@transaction.atomic
def membership_change(
    *,
    membership_id: int,
    role: str,
    subjects: Iterable[Subject] | None = None,
    actor: User,
    actor_membership: Membership | None,
) -> Membership:
    membership = _managed_membership(membership_id, actor_membership)
    new_role = _check_role(membership.organisation, role)
    if new_role != membership.role:
        _ensure_other_admin_remains(membership)
    old_role = membership.role
    membership.role = new_role
    membership.save(update_fields=["role"])
    if subjects is not None:
        membership.subjects.set(list(subjects))
    audit(
        actor=actor,
        organisation=membership.organisation,
        action="membership.change",
        target=membership.user.email,
        old=old_role,
        new=new_role,
    )
    with translation.override(membership.user.language):
        text = _("Your role in %(organisation)s is now: %(role)s.") % {
            "organisation": membership.organisation.name,
            "role": Role(new_role).label,
        }
    _notify_membership_changed(membership, text)
    return membership


@transaction.atomic
def membership_set_active(
    *, membership_id: int, active: bool, actor: User, actor_membership: Membership | None
) -> Membership:
    """Deactivate (or reactivate) a member.  Rows are never deleted (ARCHITECTURE section 7)."""
    membership = _managed_membership(membership_id, actor_membership)
    if not active:
        if membership.user_id == actor.pk:
            raise ConflictError(_("You cannot deactivate yourself."))
        _ensure_other_admin_remains(membership)
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    audit(
        actor=actor,
        organisation=membership.organisation,
        action="membership.activate" if active else "membership.deactivate",
        target=membership.user.email,
    )
    with translation.override(membership.user.language):
        text = (
            _("Your access to %(organisation)s was restored.")
            if active
            else _("Your access to %(organisation)s was closed by its administrator.")
        ) % {"organisation": membership.organisation.name}
    _notify_membership_changed(membership, text)
    return membership


@transaction.atomic
def tutor_appoint(
    *,
    centre: Organisation,
    email: str,
    subjects: Sequence[Subject],
    actor: User,
    actor_membership: Membership | None,
    last_name: str = "",
    first_name: str = "",
    patronymic: str = "",
) -> Membership | Invitation:
    """Make someone a municipal tutor: a tutor membership at the centre with subjects.

    A person already at the centre gets the role at once; anyone else is invited.
    """
    _require(
        permissions.can_appoint_tutors(actor_membership) and permissions.within(actor_membership, centre.pk)
    )
    if not subjects:
        raise TutornetError(_("Choose at least one subject for the tutor."), field="subjects")
    email = _clean_email(email)
    membership = Membership.objects.filter(organisation=centre, user__email=email).first()
    if membership is not None:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        return membership_change(
            membership_id=membership.pk,
            role=Role.TUTOR,
            subjects=subjects,
            actor=actor,
            actor_membership=actor_membership,
        )
    return _invitation_create(
        organisation=centre,
        email=email,
        role=Role.TUTOR,
        actor=actor,
        subjects=subjects,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
    )


# --- CSV import -------------------------------------------------------------------------

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
        if Membership.objects.filter(organisation=organisation, user__email=email, is_active=True).exists():
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
    _require(
        permissions.can_manage_staff(actor_membership)
        and permissions.within(actor_membership, organisation.pk)
    )
    rows, errors = _parse_staff_csv(raw, organisation)
    if errors:
        raise CsvImportError(errors)
    if not rows:
        raise CsvImportError([RowError(0, _("The file has no people in it."))])
    result = ImportResult()
    for row in rows:
        try:
            with transaction.atomic():
                _invitation_create(
                    organisation=organisation,
                    email=row["email"],
                    role=row["role"],
                    actor=actor,
                    subjects=row["subjects"],
                    last_name=row.get("last_name", ""),
                    first_name=row.get("first_name", ""),
                    patronymic=row.get("patronymic", ""),
                )
        except (TutornetError, IntegrityError) as exc:
            result.errors.append(RowError(row["line"], str(getattr(exc, "message", exc))))
        else:
            result.invited.append(row["email"])
    if result.errors:
        # A row that failed while writing (e.g. a concurrent invitation) still refuses the file.
        transaction.set_rollback(True)
        raise CsvImportError(result.errors)
    audit(
        actor=actor,
        organisation=organisation,
        action="staff.import_csv",
        target=f"{len(result.invited)} rows",
    )
    return result


# --- profile -----------------------------------------------------------------------------


@transaction.atomic
def user_update_profile(
    *, user: User, last_name: str, first_name: str, patronymic: str, language: str
) -> User:
    if not last_name.strip() or not first_name.strip():
        raise TutornetError(_("Enter your surname and first name."), field="last_name")
    if language not in dict(settings.LANGUAGES):
        raise TutornetError(_("Unknown language."), field="language")
    user.last_name, user.first_name, user.patronymic = (
        last_name.strip(),
        first_name.strip(),
        patronymic.strip(),
    )
    user.language = language
    user.save(update_fields=["last_name", "first_name", "patronymic", "language"])
    audit(actor=user, organisation=None, action="user.update_profile", target=user.email)
    return user
