"""Invitations: a single-use link by e-mail that becomes a membership."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.models import Kind, Notification
from notifications.services import notification_build, notification_create, notifications_create
from tenants.models import Organisation, Subject
from tenants.selectors import organisation_url
from tutornet.errors import ConflictError, PermissionDeniedError, TutornetError, unique_or_conflict

from .. import permissions
from ..models import AuditEvent, Invitation, Membership, Role, User
from .common import audit, check_role, clean_email, require


class InvitationInvalidError(TutornetError):
    status = 410
    code = "invitation_invalid"


@dataclass(frozen=True)
class InvitationRow:
    """One person to invite: a checked, lower-cased address and a role the organisation has."""

    email: str
    role: Role
    subjects: Sequence[Subject] = ()
    last_name: str = ""
    first_name: str = ""
    patronymic: str = ""


def _invitation_notification(invitation: Invitation, token: str, recipient: User | None) -> Notification:
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
    return notification_build(
        kind=Kind.INVITATION,
        recipient=recipient,
        email=invitation.email,
        subject=subject,
        body=body,
        link=organisation_url(organisation, f"/invite/{token}/"),
        organisation=organisation,
        in_app=False,
    )


def invitations_write(
    *, organisation: Organisation, rows: Sequence[InvitationRow], actor: User | None
) -> list[Invitation]:
    """Write and send invitations for distinct, checked addresses (no permission check).

    A fixed number of queries whatever the number of rows (a staff file holds up
    to 2,000): one UPDATE, three bulk INSERTs, one look-up of existing accounts
    and the outbox INSERT.  Inviting again replaces the open invitation: the old
    link stops working.
    """
    if not rows:
        return []
    emails = [row.email for row in rows]
    now = timezone.now()
    Invitation.objects.filter(
        organisation=organisation, email__in=emails, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    tokens: list[str] = []
    invitations: list[Invitation] = []
    for row in rows:
        token, token_hash = Invitation.new_token()
        tokens.append(token)
        invitations.append(
            Invitation(
                organisation=organisation,
                email=row.email,
                role=row.role,
                last_name=row.last_name.strip(),
                first_name=row.first_name.strip(),
                patronymic=row.patronymic.strip(),
                token_hash=token_hash,
                invited_by=actor,
                expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
            )
        )
    Invitation.objects.bulk_create(invitations)
    Through = Invitation.subjects.through
    Through.objects.bulk_create(
        [
            Through(invitation_id=invitation.pk, subject_id=subject.pk)
            for invitation, row in zip(invitations, rows, strict=True)
            for subject in {s.pk: s for s in row.subjects}.values()
        ]
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                organisation=organisation,
                action="invitation.create",
                target=invitation.email[:200],
                data={"role": invitation.role},
            )
            for invitation in invitations
        ]
    )
    recipients = {user.email: user for user in User.objects.filter(email__in=emails)}
    notifications_create(
        [
            _invitation_notification(invitation, token, recipients.get(invitation.email))
            for invitation, token in zip(invitations, tokens, strict=True)
        ]
    )
    return invitations


def invitation_create_unchecked(
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
    email = clean_email(email)
    checked_role = check_role(organisation, role)
    if Membership.objects.filter(organisation=organisation, user__email=email, is_active=True).exists():
        raise ConflictError(
            _("%(email)s is already a member of %(organisation)s.")
            % {"email": email, "organisation": organisation.short_name},
            field="email",
        )
    row = InvitationRow(
        email=email,
        role=checked_role,
        subjects=list(subjects),
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
    )
    return invitations_write(organisation=organisation, rows=[row], actor=actor)[0]


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
    require(
        permissions.can_manage_staff(actor_membership)
        and permissions.within(actor_membership, organisation.pk)
    )
    return invitation_create_unchecked(
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
    return invitation_create_unchecked(
        organisation=organisation, email=email, role=Role.SCHOOL_ADMIN, actor=actor
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User, actor_membership: Membership | None) -> None:
    require(
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
