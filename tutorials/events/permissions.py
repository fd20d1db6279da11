"""Who may do what with multi-day events.  Views, the API and the services ask here.

Participants act through the membership that lets them use this organisation
(``request.district_membership``): on a centre's host a teacher of one of its
schools, on a school's host the school's own people only; so a school's internal
event is invisible from any other school.  Organisers are the event's named
organisers; the organisation's staff (a centre's methodologists and admin, a
school's admin) may manage every event of their organisation and see its
participant lists.  Nobody else sees who takes part.
"""

from __future__ import annotations

from django.db import connection

from accounts.models import Membership, Role
from consultations.permissions import active, can_use
from tenants.models import Organisation

from .models import Event

CREATOR_ROLES = (Role.METHODOLOGIST, Role.CENTRE_ADMIN, Role.SCHOOL_ADMIN, Role.TUTOR)


def _here(membership: Membership) -> bool:
    return membership.organisation.schema_name == connection.schema_name  # type: ignore[attr-defined]


def is_staff(membership: Membership | None) -> bool:
    """The organisation's staff: a centre's methodologists and admin, a school's admin."""
    if not active(membership) or membership is None or not _here(membership):
        return False
    if membership.organisation.kind == Organisation.Kind.CENTRE:
        return membership.role in (Role.METHODOLOGIST, Role.CENTRE_ADMIN)
    return membership.role == Role.SCHOOL_ADMIN


def can_create(membership: Membership | None) -> bool:
    """Staff, and this organisation's tutors, may create an event (and become its organiser)."""
    return (
        active(membership)
        and membership is not None
        and _here(membership)
        and membership.role in CREATOR_ROLES
    )


def organiser_ids(event: Event) -> set[int]:
    cached = getattr(event, "_organiser_ids", None)
    if cached is None:
        cached = {user.pk for user in event.organisers.all()}
        event._organiser_ids = cached  # type: ignore[attr-defined]
    return cached


def can_manage(membership: Membership | None, event: Event) -> bool:
    """Build the days, run the allocation, move people, mark attendance, score, read reflections."""
    if is_staff(membership):
        return True
    return (
        active(membership)
        and membership is not None
        and _here(membership)
        and membership.user_id in organiser_ids(event)
    )


def can_see_participants(membership: Membership | None, event: Event) -> bool:
    """Participant lists, reflections, the full board: organisers and the organisation's staff."""
    return can_manage(membership, event)


def in_audience(district_membership: Membership | None, event: Event) -> bool:
    """May see and register for a published event: a user of this organisation in its audience."""
    if not can_use(district_membership) or district_membership is None:
        return False
    if event.audience == Event.Audience.SCHOOLS:
        return district_membership.organisation_id in set(event.audience_school_ids)
    if event.audience == Event.Audience.SUBJECTS:
        wanted = {subject.pk for subject in event.audience_subjects.all()}
        return bool(wanted & {subject.pk for subject in district_membership.subjects.all()})
    return True


def can_see(district_membership: Membership | None, event: Event) -> bool:
    if can_manage(district_membership, event):
        return True
    return event.status == Event.Status.PUBLISHED and in_audience(district_membership, event)


def can_see_board(membership: Membership | None, event: Event, *, is_participant: bool) -> bool:
    """The points board: organisers always; participants when the event's setting says so."""
    if can_see_participants(membership, event):
        return True
    return is_participant and event.board_visibility == Event.BoardVisibility.PARTICIPANTS
