"""Who may do what in a case-material bank.  Services and selectors ask here.

The bank is the one of the organisation whose schema is active:

* a school's bank is read by that school's active staff only;
* the district bank (the centre's schema) is read by the centre's staff and by
  the staff of every school of the district (``district_membership_for``);
* a draft is seen by its authors only; a version awaiting moderation, returned
  or rejected is seen by its authors and by the centre's methodologists;
* only authors edit or submit; only the centre's methodologists moderate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from accounts import permissions as account_permissions
from accounts.models import Membership, Role
from accounts.selectors import district_membership_for
from tenants.models import Organisation

from .errors import MaterialPermissionError
from .models import Material, MaterialVersion, Status


@dataclass(frozen=True)
class BankAccess:
    """A person's standing in the bank of ``organisation``: computed once per request or service."""

    user: Any
    organisation: Organisation
    # Their membership here, or (at a centre) in one of its schools; None: no access at all.
    membership: Membership | None

    @property
    def can_read(self) -> bool:
        return account_permissions.is_member(self.membership)

    @property
    def is_own_staff(self) -> bool:
        return self.can_read and account_permissions.within(self.membership, self.organisation.pk)

    @property
    def is_methodologist(self) -> bool:
        return (
            self.is_own_staff
            and self.organisation.kind == Organisation.Kind.CENTRE
            and self.membership is not None
            and self.membership.role == Role.METHODOLOGIST
        )

    @property
    def user_id(self) -> int | None:
        return self.user.pk if getattr(self.user, "is_authenticated", False) else None


def current_organisation() -> Organisation:
    """The organisation whose schema is active (set by the middleware or ``tenant_context``)."""
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Organisation) or tenant.kind == Organisation.Kind.OPERATOR:
        raise MaterialPermissionError("The case-material bank is used on an organisation's site.")
    return tenant


def access_for(user: Any, organisation: Organisation | None = None) -> BankAccess:
    organisation = organisation or current_organisation()
    return BankAccess(
        user=user, organisation=organisation, membership=district_membership_for(user, organisation)
    )


def is_author(access: BankAccess, material: Material) -> bool:
    if access.user_id is None:
        return False
    cached = getattr(material, "_author_ids", None)
    if cached is not None:
        return access.user_id in cached
    return material.authors.filter(pk=access.user_id).exists()


def can_create(access: BankAccess) -> bool:
    """A material is written in one's own organisation's bank (a school shares it later)."""
    return access.is_own_staff


def can_view_material(access: BankAccess, material: Material) -> bool:
    if not access.can_read:
        return False
    if material.status == Status.PUBLISHED:
        return True
    if is_author(access, material):
        return True
    return access.is_methodologist and material.status != Status.DRAFT


def can_view_version(access: BankAccess, material: Material, version: MaterialVersion) -> bool:
    if not can_view_material(access, material):
        return False
    if version.status == Status.PUBLISHED:
        return True
    if is_author(access, material):
        return True
    return access.is_methodologist and version.status != Status.DRAFT


def can_edit(access: BankAccess, material: Material) -> bool:
    return access.can_read and is_author(access, material)


def can_moderate(access: BankAccess) -> bool:
    return access.is_methodologist


def can_engage(access: BankAccess, material: Material) -> bool:
    """Rate, comment, favourite: anyone who can read a published material."""
    return access.can_read and material.status == Status.PUBLISHED


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise MaterialPermissionError(message)
