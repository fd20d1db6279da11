"""Who may do what with consultations.  Views, the API and the services ask here.

The predicates take the membership the request resolved
(``request.district_membership``).  On the centre's host that may be the
teacher's membership in one of the centre's schools: such a membership lets
the teacher *use* the centre's consultations, but never act as the centre's
tutor or staff, so every staff/tutor predicate also checks that the membership
belongs to the organisation whose schema is active.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from accounts.models import Membership, Role
from tenants.models import Organisation

from .models import Booking, Offering

CENTRE_STAFF_ROLES = (Role.METHODOLOGIST, Role.CENTRE_ADMIN)


def active(membership: Membership | None) -> bool:
    """An active membership of an active person in an active organisation."""
    return (
        membership is not None
        and membership.is_active
        and membership.user.is_active
        and membership.organisation.is_active
    )


def is_here(membership: Membership) -> bool:
    """The membership is in the organisation whose schema is active (not a school's on the centre host)."""
    return membership.organisation.schema_name == connection.schema_name  # type: ignore[attr-defined]


def can_use(district_membership: Membership | None) -> bool:
    """Browse and book this organisation's consultations.

    Any active member of the organisation, or, in a centre, of one of its schools
    (that is what ``district_membership_for`` resolves; anything else is None).
    """
    if not active(district_membership):
        return False
    assert district_membership is not None
    if is_here(district_membership):
        return True
    organisation = district_membership.organisation
    return (
        organisation.kind == Organisation.Kind.SCHOOL
        and organisation.centre is not None
        and organisation.centre.schema_name == connection.schema_name  # type: ignore[attr-defined]
    )


def is_tutor(membership: Membership | None) -> bool:
    """A tutor of this organisation (a municipal tutor in the centre, a mentor in a school)."""
    return (
        active(membership)
        and membership is not None
        and is_here(membership)
        and membership.role == Role.TUTOR
    )


def is_admin(membership: Membership | None) -> bool:
    """The organisation's administrator, who may manage offerings on a tutor's behalf."""
    if not active(membership) or membership is None or not is_here(membership):
        return False
    kind = membership.organisation.kind
    return (kind == Organisation.Kind.CENTRE and membership.role == Role.CENTRE_ADMIN) or (
        kind == Organisation.Kind.SCHOOL and membership.role == Role.SCHOOL_ADMIN
    )


def can_manage_offering(membership: Membership | None, offering: Offering | None = None) -> bool:
    """Create (offering None) or change an offering: its own tutor, or the organisation's admin."""
    if is_admin(membership):
        return True
    if not is_tutor(membership):
        return False
    assert membership is not None
    return offering is None or offering.tutor_id == membership.user_id


def can_manage_exceptions(membership: Membership | None, *, tutor_id: int, offering: Offering | None) -> bool:
    """Add or remove a tutor's one-off exception: for one offering, whoever manages that
    offering; for all of the tutor's offerings, the tutor themselves or the organisation's admin."""
    if offering is not None:
        return offering.tutor_id == tutor_id and can_manage_offering(membership, offering)
    if is_admin(membership):
        return True
    return is_tutor(membership) and membership is not None and membership.user_id == tutor_id


def can_see_booking(user: Any, booking: Booking) -> bool:
    """A booking's details (the question, the outcome): only its teacher and the slot's tutor."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.pk in (booking.teacher_id, booking.slot.tutor_id)


def can_see_ratings(membership: Membership | None) -> bool:
    """Ratings: a tutor sees their own (the view filters), centre staff see all of the centre's
    tutors, a school's administrator all of the school's mentors."""
    if is_tutor(membership) or is_admin(membership):
        return True
    return can_see_all_ratings(membership)


def can_see_all_ratings(membership: Membership | None) -> bool:
    """Every tutor's ratings: centre staff (methodologist, centre admin), a school's admin for its mentors."""
    if not active(membership) or membership is None or not is_here(membership):
        return False
    if membership.organisation.kind == Organisation.Kind.CENTRE:
        return membership.role in CENTRE_STAFF_ROLES
    return membership.role == Role.SCHOOL_ADMIN
