"""Sessions: scheduling and merging requests, held, the outcome, closing, ratings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from tenants.models import Organisation
from tutornet.errors import ConflictError, NotFoundError, TutornetError
from tutornet.stored_files import file_written

from .. import notify, permissions
from ..centre import in_centre, session_load
from ..centre import require as _require
from ..files import validate_document
from ..models import (
    HelpHourRequest,
    HelpHourSession,
    OutcomeFile,
    UsefulnessRating,
)
from ..workflow import Action, target
from ._common import (
    _locked_session,
    _reload_all,
    _step,
)
from .requests import (
    _centre_tutor,
)

# --- sessions -----------------------------------------------------------------------------------


def _aware(value: datetime, centre: Organisation) -> datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value, centre.zone)


def _headcount(requests: Iterable[HelpHourRequest]) -> int:
    return len({user.pk for request in requests for user in request.participants.all()})


def _check_capacity(capacity: int, requests: Sequence[HelpHourRequest]) -> None:
    count = _headcount(requests)
    if count > capacity:
        raise ConflictError(
            _(
                "The session has %(capacity)s places, but the requests bring %(count)s participants: "
                "merge fewer requests or give the session more places."
            )
            % {"capacity": capacity, "count": count},
            field="capacity",
        )


def _locked_requests(request_ids: Iterable[int]) -> list[HelpHourRequest]:
    ids = sorted({int(i) for i in request_ids})
    if not ids:
        raise TutornetError(_("Choose at least one request."), field="requests")
    # Locked in id order, so two methodologists merging overlapping sets cannot deadlock.
    requests = list(HelpHourRequest.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(requests) != len(ids):
        raise NotFoundError(_("There is no such request."))
    return requests


def _check_same_subject(subject_id: int, requests: Iterable[HelpHourRequest]) -> None:
    if any(r.subject_id != subject_id for r in requests):
        raise ConflictError(
            _("Only requests on the same subject can be merged into one session."), field="requests"
        )


def _schedule_requests(
    *, centre: Organisation, session: HelpHourSession, requests: list[HelpHourRequest], actor: User
) -> None:
    for request in requests:
        _step(request, action=Action.SCHEDULE, actor=actor, session=session)
    notify.transition(centre=centre, requests=_reload_all(requests), action=Action.SCHEDULE, actor=actor)


def session_schedule(
    *,
    request_ids: Iterable[int],
    starts_at: datetime,
    ends_at: datetime,
    mode: str,
    capacity: int,
    actor: User,
    membership: Membership,
    place: str = "",
    tutor_ids: Iterable[int] = (),
    topic: str = "",
) -> HelpHourSession:
    """Schedule one Help Hour for one or more accepted requests on the same subject (a merge).

    Naive times are the centre's wall clock.  Tutors: ``tutor_ids`` plus the
    requests' assigned tutors (at least one).  A video session gets a new room.
    The participants of all requests must fit ``capacity``.
    """
    _require(permissions.is_methodologist(membership))
    with in_centre(actor=actor, membership=membership) as centre:
        requests = _locked_requests(request_ids)
        for request in requests:
            target(request.status, Action.SCHEDULE)
        subject_id = requests[0].subject_id
        _check_same_subject(subject_id, requests)
        starts_at, ends_at = _aware(starts_at, centre), _aware(ends_at, centre)
        if ends_at <= starts_at:
            raise TutornetError(_("The session must end after it starts."), field="ends_at")
        if starts_at <= timezone.now():
            raise TutornetError(_("The session must start in the future."), field="starts_at")
        if capacity < 1:
            raise TutornetError(_("Give the session at least one place."), field="capacity")
        _check_capacity(capacity, requests)
        if mode not in HelpHourSession.Mode.values:
            raise TutornetError(_("Choose in person or video."), field="mode")
        place = place.strip()
        video_room = ""
        if mode == HelpHourSession.Mode.IN_PERSON and not place:
            raise TutornetError(_("Give the place of an in-person session."), field="place")
        if mode == HelpHourSession.Mode.VIDEO:
            from consultations.video import new_room_name

            video_room = new_room_name()
        tutors = {r.tutor_id for r in requests if r.tutor_id} | {int(i) for i in tutor_ids}
        if not tutors:
            raise TutornetError(_("Choose at least one tutor."), field="tutors")
        tutor_users = [_centre_tutor(centre, tutor_id) for tutor_id in sorted(tutors)]
        session = HelpHourSession.objects.create(
            subject_id=subject_id,
            topic=topic.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            mode=mode,
            place=place,
            video_room=video_room,
            capacity=capacity,
            created_by=actor,
        )
        session.tutors.set(tutor_users)
        _schedule_requests(centre=centre, session=session, requests=requests, actor=actor)
        return session_load(session.pk)


def session_merge(
    *, session_id: int, request_ids: Iterable[int], actor: User, membership: Membership
) -> HelpHourSession:
    """Merge more accepted requests (same subject) into a scheduled session, within its capacity.

    The session's row is locked first: two merges into one session are serialised,
    so they cannot together exceed the capacity.
    """
    _require(permissions.is_methodologist(membership))
    with in_centre(actor=actor, membership=membership) as centre:
        session = _locked_session(session_id)
        if session.held_at is not None:
            raise ConflictError(
                _("The session has been held: no more requests can join it."), field="session"
            )
        requests = _locked_requests(request_ids)
        for request in requests:
            target(request.status, Action.SCHEDULE)
        _check_same_subject(session.subject_id, requests)
        merged = list(session.requests.prefetch_related("participants"))
        _check_capacity(session.capacity, [*merged, *requests])
        new_tutors = {r.tutor_id for r in requests if r.tutor_id} - permissions.session_tutor_ids(session)
        if new_tutors:
            session.tutors.add(*[_centre_tutor(centre, t) for t in sorted(new_tutors)])
        _schedule_requests(centre=centre, session=session, requests=requests, actor=actor)
        return session_load(session.pk)


def _session_step(
    *, session: HelpHourSession, action: Action, actor: User, centre: Organisation, comment: str = ""
) -> None:
    requests = list(HelpHourRequest.objects.select_for_update().filter(session=session).order_by("pk"))
    for request in requests:
        _step(request, action=action, actor=actor, comment=comment)
    notify.transition(
        centre=centre, requests=_reload_all(requests), action=action, actor=actor, comment=comment
    )


def session_mark_held(
    *, session_id: int, actor: User, membership: Membership, now: datetime | None = None
) -> HelpHourSession:
    """The session's tutor (or a methodologist) marks it held, once it has started."""
    now = now or timezone.now()
    with in_centre(actor=actor, membership=membership) as centre:
        session = _locked_session(session_id)
        _require(permissions.can_mark_held(membership, session))
        if session.held_at is not None:
            raise ConflictError(_("The session is already marked as held."), field="session")
        if now < session.starts_at:
            raise ConflictError(_("The session has not started yet."), field="session")
        _session_step(session=session, action=Action.HOLD, actor=actor, centre=centre)
        session.held_at = now
        session.save(update_fields=["held_at"])
        return session_load(session.pk)


def session_record_outcome(
    *,
    session_id: int,
    actor: User,
    membership: Membership,
    summary: str,
    recommendations: str = "",
    files: Sequence[Any] = (),
) -> HelpHourSession:
    """The session's tutor records the outcome after it was held (again to change it, until closed).

    ``files`` are returned documents (docx/odt/pdf, same content checks as requests' documents).
    """
    with in_centre(actor=actor, membership=membership):
        session = _locked_session(session_id)
        _require(permissions.can_record_outcome(membership, session))
        if session.held_at is None:
            raise ConflictError(_("Record the outcome after the session has been held."), field="session")
        if session.closed_at is not None:
            raise ConflictError(_("The session is closed: its outcome can no longer be changed."))
        if not summary.strip():
            raise TutornetError(_("Write a summary of the session."), field="summary")
        for uploaded in files:
            validate_document(uploaded, field="files")
        session.summary = summary.strip()
        session.recommendations = recommendations.strip()
        session.outcome_recorded_at = timezone.now()
        session.outcome_recorded_by = actor
        session.save()
        for uploaded in files:
            outcome = OutcomeFile(session=session, name=str(uploaded.name)[:200], uploaded_by=actor)
            outcome.file.save(uploaded.name, uploaded, save=False)
            file_written(outcome.file)
            outcome.save()
        return session_load(session.pk)


def session_close(
    *, session_id: int, actor: User, membership: Membership, comment: str = ""
) -> HelpHourSession:
    """Close a held session and its requests; the outcome must be recorded first."""
    with in_centre(actor=actor, membership=membership) as centre:
        session = _locked_session(session_id)
        _require(permissions.can_mark_held(membership, session))
        if session.held_at is not None and not session.summary:
            raise ConflictError(_("Record the outcome before closing the session."), field="summary")
        _session_step(session=session, action=Action.CLOSE, actor=actor, centre=centre, comment=comment)
        session.closed_at = timezone.now()
        session.save(update_fields=["closed_at"])
        return session_load(session.pk)


def session_rate(
    *, session_id: int, actor: User, membership: Membership, score: int, comment: str = ""
) -> UsefulnessRating:
    """A participant rates how useful the held session was, 1–5; rating again changes it."""
    if not 1 <= int(score) <= 5:
        raise TutornetError(_("Rate from 1 to 5."), field="score")
    with in_centre(actor=actor, membership=membership):
        session = session_load(session_id)
        _require(permissions.can_rate(actor, session))
        if session.held_at is None:
            raise ConflictError(_("The session can be rated after it has been held."), field="score")
        rating, _created = UsefulnessRating.objects.update_or_create(
            session=session, user=actor, defaults={"score": int(score), "comment": comment.strip()}
        )
        return rating
