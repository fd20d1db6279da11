"""Who may do what with Help Hour requests and sessions.

The predicates take the membership that authorises the actor: a school
membership (teacher or school admin of the requesting school) for what the
school does, a centre membership (methodologist, centre admin, tutor) for what
the centre does.  They do not depend on the schema that is active, so the
school's host and the centre's host ask the same questions.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Membership, Role
from tenants.models import Organisation

from ..permissions import active
from .models import HelpHourRequest, HelpHourSession

SCHOOL_FILER_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN)
CENTRE_STAFF_ROLES = (Role.METHODOLOGIST, Role.CENTRE_ADMIN)


def centre_of(membership: Membership | None) -> Organisation | None:
    """The centre whose Help Hour this membership deals with: its own centre, or the school's."""
    if membership is None:
        return None
    organisation = membership.organisation
    if organisation.kind == Organisation.Kind.CENTRE:
        return organisation
    if organisation.kind == Organisation.Kind.SCHOOL:
        return organisation.centre
    return None


def is_school_staff(membership: Membership | None) -> bool:
    return (
        active(membership)
        and membership is not None
        and membership.organisation.kind == Organisation.Kind.SCHOOL
        and membership.organisation.centre_id is not None
    )


def can_file_request(membership: Membership | None) -> bool:
    """A teacher or school admin of a school that belongs to a centre."""
    return is_school_staff(membership) and membership is not None and membership.role in SCHOOL_FILER_ROLES


def _participant_ids(request: HelpHourRequest) -> set[int]:
    return {user.pk for user in request.participants.all()}


def can_edit_request(membership: Membership | None, request: HelpHourRequest) -> bool:
    """Edit, submit, answer and withdraw: the requester or an admin of the requesting school."""
    if not is_school_staff(membership) or membership is None:
        return False
    if membership.organisation_id != request.organisation_id:
        return False
    return membership.user_id == request.requester_id or membership.role == Role.SCHOOL_ADMIN


def can_see_request_as_school(membership: Membership | None, request: HelpHourRequest) -> bool:
    """The school's admins see all its requests; a teacher those they filed or take part in."""
    if not is_school_staff(membership) or membership is None:
        return False
    if membership.organisation_id != request.organisation_id:
        return False
    return (
        membership.role == Role.SCHOOL_ADMIN
        or membership.user_id == request.requester_id
        or membership.user_id in _participant_ids(request)
    )


def _is_centre(membership: Membership | None, roles: tuple[str, ...]) -> bool:
    return (
        active(membership)
        and membership is not None
        and membership.organisation.kind == Organisation.Kind.CENTRE
        and membership.role in roles
    )


def is_methodologist(membership: Membership | None) -> bool:
    """Works the queue: accept, reject, return, assign tutors, schedule and merge."""
    return _is_centre(membership, (Role.METHODOLOGIST,))


def can_see_centre_figures(membership: Membership | None) -> bool:
    """Counts, averages and the XLSX export: methodologists and centre admins."""
    return _is_centre(membership, CENTRE_STAFF_ROLES)


def is_centre_tutor(membership: Membership | None) -> bool:
    return _is_centre(membership, (Role.TUTOR,))


def session_tutor_ids(session: HelpHourSession | None) -> set[int]:
    return set() if session is None else {user.pk for user in session.tutors.all()}


def is_tutor_of_request(membership: Membership | None, request: HelpHourRequest) -> bool:
    if not is_centre_tutor(membership) or membership is None:
        return False
    return membership.user_id == request.tutor_id or membership.user_id in session_tutor_ids(request.session)


def can_see_request_as_centre(membership: Membership | None, request: HelpHourRequest) -> bool:
    """Centre staff see every request filed to the centre; a tutor those assigned to them."""
    return can_see_centre_figures(membership) or is_tutor_of_request(membership, request)


def can_see_request(membership: Membership | None, request: HelpHourRequest) -> bool:
    return can_see_request_as_school(membership, request) or can_see_request_as_centre(membership, request)


def can_download_document(membership: Membership | None, request: HelpHourRequest) -> bool:
    """Those involved: the requester, the school's admins, the participants; the centre's
    methodologists (and admins) and the assigned tutors.  Nobody from another school."""
    return can_see_request(membership, request)


def session_participant_ids(session: HelpHourSession) -> set[int]:
    """The teachers of every request merged into the session."""
    return {user.pk for request in session.requests.all() for user in request.participants.all()}


def is_session_tutor(user: Any, session: HelpHourSession) -> bool:
    return getattr(user, "pk", None) in session_tutor_ids(session)


def can_join_session(user: Any, session: HelpHourSession) -> bool:
    """The join link is only for the session's participants and tutors."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.pk in session_participant_ids(session) or is_session_tutor(user, session)


def can_record_outcome(membership: Membership | None, session: HelpHourSession) -> bool:
    """The session's own tutors (with an active tutor membership at the centre)."""
    return (
        is_centre_tutor(membership) and membership is not None and is_session_tutor(membership.user, session)
    )


def can_mark_held(membership: Membership | None, session: HelpHourSession) -> bool:
    return can_record_outcome(membership, session) or is_methodologist(membership)


def can_rate(user: Any, session: HelpHourSession) -> bool:
    return getattr(user, "is_authenticated", False) and user.pk in session_participant_ids(session)


def can_see_session(membership: Membership | None, session: HelpHourSession) -> bool:
    """Outcome files: the session's tutors and centre staff, and the schools' people involved."""
    if can_see_centre_figures(membership) or (
        membership is not None and is_centre_tutor(membership) and is_session_tutor(membership.user, session)
    ):
        return True
    return any(can_see_request_as_school(membership, request) for request in session.requests.all())
