"""Who may do what.  Views and services ask here; they never test roles inline."""

from __future__ import annotations

from collections.abc import Sequence

from tenants.models import Organisation

from .models import CENTRE_ROLES, SCHOOL_ROLES, Membership, Role


def _active(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active and membership.user.is_active


def within(membership: Membership | None, organisation_id: int) -> bool:
    """The membership is in that organisation: admins act only on their own."""
    return membership is not None and membership.organisation_id == organisation_id


def is_member(membership: Membership | None) -> bool:
    return _active(membership)


def can_manage_staff(membership: Membership | None) -> bool:
    """School admins manage their school's staff; centre admins the centre's."""
    if not _active(membership):
        return False
    assert membership is not None
    kind = membership.organisation.kind
    return (kind == Organisation.Kind.SCHOOL and membership.role == Role.SCHOOL_ADMIN) or (
        kind == Organisation.Kind.CENTRE and membership.role == Role.CENTRE_ADMIN
    )


def can_edit_organisation_profile(membership: Membership | None) -> bool:
    return can_manage_staff(membership)


def is_centre_admin(membership: Membership | None) -> bool:
    return (
        _active(membership)
        and membership is not None
        and membership.organisation.kind == Organisation.Kind.CENTRE
        and membership.role == Role.CENTRE_ADMIN
    )


# Onboarding schools, appointing municipal tutors and keeping the shared
# directories are the centre administrator's.
can_onboard_schools = is_centre_admin
can_appoint_tutors = is_centre_admin
can_manage_directories = is_centre_admin


def grantable_roles(organisation: Organisation) -> Sequence[Role]:
    """The roles a membership in this organisation can have."""
    if organisation.kind == Organisation.Kind.SCHOOL:
        return SCHOOL_ROLES
    if organisation.kind == Organisation.Kind.CENTRE:
        return CENTRE_ROLES
    return ()
