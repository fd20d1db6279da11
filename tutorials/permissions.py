"""Who may do what with tutorials.  Views, the API and the services ask here.

The predicates take the membership the request resolved
(``request.district_membership``): on the centre's host a teacher's membership
is the one in their school, which lets them *take part* in the centre's
tutorials but never organise them or read participant lists.  Every staff
predicate also checks that the membership belongs to the organisation whose
schema is active (``consultations.permissions`` does the same).
"""

from __future__ import annotations

from typing import Any

from accounts.models import Membership, Role
from consultations import permissions as consultation_permissions
from tenants.models import Organisation

from .models import Certificate

active = consultation_permissions.active
can_take_part = consultation_permissions.can_use
is_admin = consultation_permissions.is_admin


def _here(membership: Membership | None) -> bool:
    return membership is not None and active(membership) and consultation_permissions.is_here(membership)


def is_staff(membership: Membership | None) -> bool:
    """The organisation's staff who see every tutorial and every participant list: in a centre its
    methodologists and administrators, in a school its administrator."""
    if not _here(membership):
        return False
    assert membership is not None
    if membership.organisation.kind == Organisation.Kind.CENTRE:
        return membership.role in (Role.METHODOLOGIST, Role.CENTRE_ADMIN)
    return membership.role == Role.SCHOOL_ADMIN


def can_organise(membership: Membership | None) -> bool:
    """Create tutorials here: tutors and methodologists (staff too)."""
    if not _here(membership):
        return False
    assert membership is not None
    return membership.role in (Role.TUTOR, Role.METHODOLOGIST) or is_staff(membership)


def can_download_certificate(user: Any, membership: Membership | None, certificate: Certificate) -> bool:
    """A certificate's PDF: its holder, or the organisation's staff."""
    if getattr(user, "is_authenticated", False) and user.is_active and user.pk == certificate.user_id:
        return True
    return is_staff(membership)
