"""Who sees the district picture.

* The centre's methodologists and its administrator see the whole picture, and the
  teachers behind a heatmap cell (they already see individual results in
  diagnostics).
* A school's administrator sees their own school's figures next to the district's,
  and no other school's: the "Моя школа" page, never the heatmap of all schools.
* Nobody else (teachers, tutors) sees it.

The predicates take the membership the request resolved (``district_membership``).
"""

from __future__ import annotations

from django.db import connection

from accounts.models import Membership, Role
from tenants.models import Organisation


def _active_here(membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.is_active
        and membership.user.is_active
        and membership.organisation.is_active
    )


def _in_centre() -> bool:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "kind", None) == Organisation.Kind.CENTRE


def can_see_district(membership: Membership | None) -> bool:
    """The whole heatmap, year over year and the support of every school."""
    if not _active_here(membership) or membership is None or not _in_centre():
        return False
    return (
        membership.organisation.schema_name == connection.schema_name  # type: ignore[attr-defined]
        and membership.role in (Role.METHODOLOGIST, Role.CENTRE_ADMIN)
    )


def can_see_teachers(membership: Membership | None) -> bool:
    """The names behind a cell: the centre's methodologists (and its administrator)."""
    return can_see_district(membership)


def own_school(membership: Membership | None) -> int | None:
    """The school whose figures this school administrator may see, on their centre's portal."""
    if not _active_here(membership) or membership is None or not _in_centre():
        return None
    organisation = membership.organisation
    if organisation.kind != Organisation.Kind.SCHOOL or membership.role != Role.SCHOOL_ADMIN:
        return None
    tenant = getattr(connection, "tenant", None)
    if organisation.centre_id != getattr(tenant, "pk", None):
        return None
    return organisation.pk


def centre_for_school_admin(membership: Membership | None) -> Organisation | None:
    """On a school's own portal, its administrator's centre (where "Моя школа" is), else None."""
    if not _active_here(membership) or membership is None:
        return None
    tenant = getattr(connection, "tenant", None)
    organisation = membership.organisation
    if (
        getattr(tenant, "kind", None) != Organisation.Kind.SCHOOL
        or organisation.pk != getattr(tenant, "pk", None)
        or membership.role != Role.SCHOOL_ADMIN
    ):
        return None
    centre = organisation.centre
    return centre if centre is not None and centre.is_active else None
