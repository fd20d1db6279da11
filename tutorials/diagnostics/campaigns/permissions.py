"""Who may do what with diagnostic campaigns.  Views, the API and the services ask here.

Teachers fear punitive use of the results, so the rules are narrow:

* a teacher takes a campaign meant for them and sees only their own results, with
  the correct answers only after the campaign has closed;
* the organisation's methodologists (in a school: its administrator) run the
  campaigns and see every individual result; the organisation's tutors of the
  campaign's subject grade extended answers and see the individual results;
* a school's administrator sees only the aggregates of their own school (mean per
  topic, how many took part), with names only where the campaign allows it; an
  administrator of another school sees nothing.

The predicates take the membership the request resolved (``district_membership``):
on the centre's host a teacher's membership is the one in their school.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from accounts.models import Membership, Role
from tenants.models import Organisation

from .models import Attempt, Campaign


def active(membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.is_active
        and membership.user.is_active
        and membership.organisation.is_active
    )


def _here(membership: Membership) -> bool:
    return membership.organisation.schema_name == connection.schema_name  # type: ignore[attr-defined]


def _current_kind() -> str | None:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "kind", None)


def subject_ids(membership: Membership) -> set[int]:
    """The membership's subjects (cached on the object: asked several times per request)."""
    cached = getattr(membership, "_diagnostics_subject_ids", None)
    if cached is None:
        cached = set(membership.subjects.values_list("pk", flat=True))
        membership._diagnostics_subject_ids = cached  # type: ignore[attr-defined]
    return cached


def can_manage(membership: Membership | None) -> bool:
    """Create, publish and follow campaigns; see every result and the item analysis."""
    if not active(membership) or membership is None or not _here(membership):
        return False
    if membership.organisation.kind == Organisation.Kind.CENTRE:
        return membership.role in (Role.METHODOLOGIST, Role.CENTRE_ADMIN)
    return membership.role == Role.SCHOOL_ADMIN


def is_subject_tutor(membership: Membership | None, subject_id: int) -> bool:
    return (
        active(membership)
        and membership is not None
        and _here(membership)
        and membership.role == Role.TUTOR
        and subject_id in subject_ids(membership)
    )


def is_tutor(membership: Membership | None) -> bool:
    return (
        active(membership) and membership is not None and _here(membership) and membership.role == Role.TUTOR
    )


def can_grade(membership: Membership | None, campaign: Campaign) -> bool:
    """Grade extended answers: the organisation's tutors of the subject and its methodologists."""
    return can_manage(membership) or is_subject_tutor(membership, campaign.subject_id)


def can_see_individual_results(membership: Membership | None, campaign: Campaign) -> bool:
    return can_grade(membership, campaign)


def school_of(membership: Membership | None) -> int | None:
    """The school a membership speaks for, when it is a school's (teacher, admin)."""
    if membership is None or membership.organisation.kind != Organisation.Kind.SCHOOL:
        return None
    return membership.organisation_id


def in_audience(membership: Membership | None, campaign: Campaign) -> bool:
    """A teacher of the campaign's subject in one of its schools.

    In a centre: a teacher of one of the centre's schools (all of them, or those the
    campaign names).  In a school's own campaign: a teacher of that school.
    """
    if not active(membership) or membership is None or membership.role != Role.TEACHER:
        return False
    organisation = membership.organisation
    if organisation.kind != Organisation.Kind.SCHOOL:
        return False
    if _here(membership):
        in_place = _current_kind() != Organisation.Kind.CENTRE
    else:
        in_place = (
            organisation.centre is not None
            and organisation.centre.schema_name == connection.schema_name  # type: ignore[attr-defined]
            and (not campaign.audience_school_ids or organisation.pk in campaign.audience_school_ids)
        )
    return in_place and campaign.subject_id in subject_ids(membership)


def can_take(membership: Membership | None, campaign: Campaign) -> bool:
    return campaign.published_at is not None and in_audience(membership, campaign)


def can_see_own_attempt(user: Any, attempt: Attempt) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and attempt.teacher_id == user.pk


def can_see_attempt(membership: Membership | None, user: Any, attempt: Attempt) -> bool:
    """One teacher's individual result: the teacher, or the campaign's staff; a school's
    administrator only when the campaign allows names and the teacher is from their school."""
    if can_see_own_attempt(user, attempt):
        return True
    if can_see_individual_results(membership, attempt.campaign):
        return True
    return (
        attempt.campaign.school_admins_see_names
        and is_school_admin(membership)
        and school_of(membership) == attempt.school_id
    )


def can_see_correct_answers(user: Any, attempt: Attempt) -> bool:
    """The teacher sees the right answers only after the campaign has closed (staff always)."""
    return attempt.campaign.is_closed or not can_see_own_attempt(user, attempt)


def is_school_admin(membership: Membership | None) -> bool:
    return active(membership) and membership is not None and membership.role == Role.SCHOOL_ADMIN


def can_see_school_aggregates(membership: Membership | None, school_id: int) -> bool:
    """A school's aggregates: its own administrator (on the centre's host too), or the campaign's staff."""
    if can_manage(membership):
        return True
    return is_school_admin(membership) and school_of(membership) == school_id


def school_admin_sees_names(membership: Membership | None, campaign: Campaign) -> bool:
    return campaign.school_admins_see_names and is_school_admin(membership)
