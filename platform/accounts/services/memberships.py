"""Memberships: changing a member's role, closing and restoring access, appointing tutors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import notification_create
from tenants.models import Organisation, Subject
from tenants.selectors import organisation_url
from tutornet.errors import ConflictError, NotFoundError, TutornetError

from .. import permissions
from ..models import Invitation, Membership, Role, User
from .common import audit, check_role, clean_email, require
from .invitations import invitation_create_unchecked


def _managed_membership(membership_id: int, actor_membership: Membership | None) -> Membership:
    require(permissions.can_manage_staff(actor_membership))
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
    new_role = check_role(membership.organisation, role)
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
    require(
        permissions.can_appoint_tutors(actor_membership) and permissions.within(actor_membership, centre.pk)
    )
    if not subjects:
        raise TutornetError(_("Choose at least one subject for the tutor."), field="subjects")
    email = clean_email(email)
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
    return invitation_create_unchecked(
        organisation=centre,
        email=email,
        role=Role.TUTOR,
        actor=actor,
        subjects=subjects,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
    )
