"""Who may use the question bank.  Services, selectors and views ask here.

The bank is the one of the organisation whose schema is active: a centre's bank for
district campaigns, a school's for its own internal diagnostics.  Only that
organisation's own staff who prepare diagnostics use it: the centre's methodologists
and administrators, a school's administrators.  Teachers and tutors never see the bank
(a teacher would see the test before taking it), and a school's staff never see the
centre's or another school's bank: membership here is required, not district access.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import Membership, Role
from accounts.selectors import district_membership_for, membership_for
from tenants.models import Organisation
from tutornet.errors import PermissionDeniedError

BANK_ROLES: dict[str, set[str]] = {
    Organisation.Kind.CENTRE: {Role.METHODOLOGIST, Role.CENTRE_ADMIN},
    Organisation.Kind.SCHOOL: {Role.SCHOOL_ADMIN},
}


class BankPermissionError(PermissionDeniedError):
    code = "bank_permission_denied"


def current_organisation() -> Organisation:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Organisation) or tenant.kind == Organisation.Kind.OPERATOR:
        raise BankPermissionError(_("The question bank is used on an organisation's site."))
    return tenant


def bank_membership(user: Any, organisation: Organisation | None = None) -> Membership | None:
    """The user's membership here if it lets them use the bank, else None."""
    organisation = organisation or current_organisation()
    membership = membership_for(user, organisation)
    if not account_permissions.is_member(membership):
        return None
    assert membership is not None
    if membership.role not in BANK_ROLES.get(organisation.kind, set()):
        return None
    return membership


def can_use_bank(membership: Membership | None) -> bool:
    return (
        membership is not None
        and account_permissions.is_member(membership)
        and (membership.role in BANK_ROLES.get(membership.organisation.kind, set()))
    )


def require_bank(user: Any, organisation: Organisation | None = None) -> Membership:
    membership = bank_membership(user, organisation)
    if membership is None:
        raise BankPermissionError(_("Only the organisation's methodologists use the question bank."))
    return membership


def can_view_image(user: Any, organisation: Organisation | None = None) -> bool:
    """An item's picture: the bank's users, and the people a campaign may show the item to
    (the organisation's and, at a centre, its schools' staff).  A picture alone tells little
    about the item; the item's text and answers stay in the bank."""
    organisation = organisation or current_organisation()
    if bank_membership(user, organisation) is not None:
        return True
    return account_permissions.is_member(district_membership_for(user, organisation))
