"""Every write of the Help Hour: requests, their transitions, sessions, outcomes, ratings, exports.

Where the rows live: in the CENTRE's schema (ARCHITECTURE 2).  Every service
takes the actor and the membership that authorises them (a school membership
for what the school does, a centre membership for what the centre does),
derives the centre from it and enters the centre's schema explicitly with
``schema_context`` before its transaction, so it does the same on a school's
host, on the centre's host and in a task.  Objects returned are loaded in that
schema with the relations pages need; do not follow other relations from a
school's host (use ``selectors``).

Invariants: a request moves only along ``workflow`` (an illegal step is an
``IllegalTransitionError`` naming the status and the action).  Every step locks
the request's row (``select_for_update``) before reading its status, so two
methodologists acting at once are serialised and the second is refused;
every step writes a ``RequestEvent`` and notifies the people concerned through
the outbox, once per step and person (``notify``).  A session never holds more
participants than its capacity: merging locks the session's row first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import schema_context

from accounts.models import Membership, Role, User
from tenants.models import Organisation, Subject
from tutornet.celery import app as celery_app
from tutornet.errors import ConflictError, NotFoundError, TutornetError

from . import notify, permissions
from .centre import files_removed_on_rollback, in_centre, session_load, written
from .centre import require as _require
from .files import validate_document
from .models import (
    Category,
    HelpHourExport,
    HelpHourRequest,
    HelpHourSession,
    OutcomeFile,
    RequestEvent,
    Status,
    UsefulnessRating,
)
from .workflow import COMMENT_REQUIRED, Action, target

logger = logging.getLogger(__name__)

BUILD_EXPORT_TASK = "consultations.help_hour.build_export"
# What a failed export says (stored, shown translated): never the exception.
EXPORT_FAILED = gettext_noop("The export could not be built. Please try again later.")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_PREFERRED_TIMES = 10


# --- entering the centre's schema ---------------------------------------------------------------


def _locked_request(request_id: int) -> HelpHourRequest:
    try:
        return HelpHourRequest.objects.select_for_update().get(pk=request_id)
    except HelpHourRequest.DoesNotExist:
        raise NotFoundError(_("There is no such request.")) from None


def _locked_session(session_id: int) -> HelpHourSession:
    try:
        return HelpHourSession.objects.select_for_update().get(pk=session_id)
    except HelpHourSession.DoesNotExist:
        raise NotFoundError(_("There is no such session.")) from None


def _step(
    request: HelpHourRequest, *, action: Action, actor: User, comment: str = "", **changes: Any
) -> RequestEvent:
    """Move a LOCKED request along the workflow, save it and record the event."""
    comment = comment.strip()
    if action in COMMENT_REQUIRED and not comment:
        field = "reason" if action == Action.REJECT else "comment"
        raise TutornetError(_("Say why: the school will read it."), field=field)
    before = request.status
    request.status = target(before, action)
    if comment or action != Action.ASSIGN_TUTOR:
        request.status_comment = comment
    for name, value in changes.items():
        setattr(request, name, value)
    request.save()
    return RequestEvent.objects.create(
        request=request,
        action=action,
        from_status=before,
        to_status=request.status,
        actor=actor,
        comment=comment,
    )


def _reload(request_id: int) -> HelpHourRequest:
    """The request with what pages and notifications read, loaded in the current (centre) schema."""
    return (
        HelpHourRequest.objects.select_related("organisation", "requester", "subject", "tutor", "session")
        .prefetch_related("participants", "session__tutors", "events__actor")
        .get(pk=request_id)
    )


# --- the school's side -------------------------------------------------------------------------


def _clean_time(value: Any, field: str) -> str:
    text = value.strftime("%H:%M") if isinstance(value, time) else str(value or "").strip()
    if not TIME_RE.match(text):
        raise TutornetError(_("Enter times as HH:MM."), field=field)
    return text


def clean_preferred_times(values: Iterable[Any]) -> list[dict[str, str]]:
    """Normalise preferred dates and times to [{"date": "YYYY-MM-DD", "from": "HH:MM", "to": "HH:MM"}]."""
    cleaned: list[dict[str, str]] = []
    for item in values:
        if not isinstance(item, dict):
            raise TutornetError(
                _("Each preferred time needs a date, a start and an end."), field="preferred_times"
            )
        raw_date = item.get("date")
        try:
            day = raw_date if isinstance(raw_date, date) else date.fromisoformat(str(raw_date))
        except ValueError:
            raise TutornetError(_("Enter dates as YYYY-MM-DD."), field="preferred_times") from None
        starts = _clean_time(item.get("from"), "preferred_times")
        ends = _clean_time(item.get("to"), "preferred_times")
        if ends <= starts:
            raise TutornetError(_("A preferred time must end after it starts."), field="preferred_times")
        cleaned.append({"date": day.isoformat(), "from": starts, "to": ends})
    if len(cleaned) > MAX_PREFERRED_TIMES:
        raise TutornetError(
            _("Give at most %(count)s preferred times.") % {"count": MAX_PREFERRED_TIMES},
            field="preferred_times",
        )
    return sorted(cleaned, key=lambda t: (t["date"], t["from"]))


def _school_members(school: Organisation, user_ids: Iterable[int]) -> list[User]:
    ids = {int(i) for i in user_ids}
    members = list(
        User.objects.filter(
            pk__in=ids,
            is_active=True,
            memberships__organisation=school,
            memberships__is_active=True,
        ).distinct()
    )
    if len(members) != len(ids):
        raise TutornetError(
            _("Participants must be active staff of %(school)s.") % {"school": school.short_name},
            field="participants",
        )
    return members


def _clean_fields(
    *, school: Organisation, subject: Subject, category: str, participant_ids: Iterable[int]
) -> list[User]:
    if not subject.is_active:
        raise TutornetError(_("Choose a subject from the list."), field="subject")
    if category not in Category.values:
        raise TutornetError(_("Choose a category from the list."), field="category")
    return _school_members(school, participant_ids)


def _check_complete(request: HelpHourRequest) -> None:
    """What a request needs before the centre sees it (a draft may lack any of it)."""
    if not request.description.strip():
        raise TutornetError(_("Describe the difficulty."), field="description")
    if not request.participants.exists():
        raise TutornetError(_("Name at least one participating teacher."), field="participants")
    if not request.preferred_times:
        raise TutornetError(_("Give at least one preferred date and time."), field="preferred_times")


def _attach(request: HelpHourRequest, document: Any) -> None:
    validate_document(document)
    # The tenant-aware default storage puts it under the centre's schema folder.
    request.document_name = str(document.name)[:200]
    request.document.save(document.name, document, save=False)
    written(request.document)


def request_create(
    *,
    actor: User,
    membership: Membership,
    subject: Subject,
    category: str,
    description: str = "",
    participant_ids: Iterable[int] = (),
    preferred_times: Iterable[Any] = (),
    document: Any = None,
    submit: bool = False,
) -> HelpHourRequest:
    """File a request from ``membership``'s school to its centre: a draft, or sent at once with ``submit``.

    ``participant_ids`` are user ids of active staff of the school;
    ``preferred_times`` a list of {"date", "from", "to"} in the centre's local
    time; ``document`` an uploaded docx/odt/pdf (checked by content).
    """
    _require(permissions.can_file_request(membership))
    school = membership.organisation
    with in_centre(actor=actor, membership=membership) as centre:
        participants = _clean_fields(
            school=school, subject=subject, category=category, participant_ids=participant_ids
        )
        request = HelpHourRequest(
            organisation=school,
            requester=actor,
            subject=subject,
            category=category,
            description=description.strip(),
            preferred_times=clean_preferred_times(preferred_times),
        )
        if document is not None:
            _attach(request, document)
        request.save()
        request.participants.set(participants)
        RequestEvent.objects.create(
            request=request, action=Action.CREATE, from_status="", to_status=Status.DRAFT, actor=actor
        )
        if submit:
            _submit(request, actor=actor, centre=centre, comment="")
        return _reload(request.pk)


def request_update(
    *,
    request_id: int,
    actor: User,
    membership: Membership,
    subject: Subject,
    category: str,
    description: str,
    participant_ids: Iterable[int],
    preferred_times: Iterable[Any],
    document: Any = None,
    remove_document: bool = False,
) -> HelpHourRequest:
    """Change a draft, or a request returned for clarification (then send it with ``request_submit``).

    ``document=None`` keeps the current document unless ``remove_document``.
    """
    with in_centre(actor=actor, membership=membership):
        request = _locked_request(request_id)
        _require(permissions.can_edit_request(membership, request))
        if request.status not in (Status.DRAFT, Status.NEEDS_CLARIFICATION):
            raise ConflictError(
                _("The request is “%(status)s”: it can no longer be changed.")
                % {"status": request.get_status_display()},
                field="status",
            )
        participants = _clean_fields(
            school=request.organisation, subject=subject, category=category, participant_ids=participant_ids
        )
        request.subject = subject
        request.category = category
        request.description = description.strip()
        request.preferred_times = clean_preferred_times(preferred_times)
        if document is not None:
            _attach(request, document)
        elif remove_document:
            request.document = ""
            request.document_name = ""
        request.save()
        request.participants.set(participants)
        return _reload(request.pk)


def _submit(request: HelpHourRequest, *, actor: User, centre: Organisation, comment: str) -> None:
    resubmitted = request.status == Status.NEEDS_CLARIFICATION
    target(request.status, Action.SUBMIT)  # the clear message before the completeness checks
    _check_complete(request)
    _step(request, action=Action.SUBMIT, actor=actor, comment=comment, submitted_at=timezone.now())
    notify.transition(
        centre=centre,
        requests=[_reload(request.pk)],
        action=Action.SUBMIT,
        actor=actor,
        comment=comment,
        resubmitted=resubmitted,
    )


def request_submit(
    *, request_id: int, actor: User, membership: Membership, comment: str = ""
) -> HelpHourRequest:
    """Send a draft to the centre, or send a request back after clarifying it (``comment``: the answer).

    ``submitted_at`` is the time of the latest sending (figures measure from it).
    """
    with in_centre(actor=actor, membership=membership) as centre:
        request = _locked_request(request_id)
        _require(permissions.can_edit_request(membership, request))
        _submit(request, actor=actor, centre=centre, comment=comment)
        return _reload(request.pk)


def request_withdraw(
    *, request_id: int, actor: User, membership: Membership, comment: str = ""
) -> HelpHourRequest:
    """The school withdraws its request (from draft, submitted, needs clarification or accepted)."""
    with in_centre(actor=actor, membership=membership) as centre:
        request = _locked_request(request_id)
        _require(permissions.can_edit_request(membership, request))
        _step(request, action=Action.WITHDRAW, actor=actor, comment=comment)
        request = _reload(request.pk)
        notify.transition(
            centre=centre, requests=[request], action=Action.WITHDRAW, actor=actor, comment=comment
        )
        return request


# --- the centre's triage ------------------------------------------------------------------------


def _methodologist_step(
    *, request_id: int, actor: User, membership: Membership, action: Action, comment: str = "", **changes: Any
) -> HelpHourRequest:
    _require(permissions.is_methodologist(membership))
    with in_centre(actor=actor, membership=membership) as centre:
        request = _locked_request(request_id)
        _step(request, action=action, actor=actor, comment=comment, **changes)
        request = _reload(request.pk)
        notify.transition(centre=centre, requests=[request], action=action, actor=actor, comment=comment)
        return request


def request_accept(
    *, request_id: int, actor: User, membership: Membership, comment: str = ""
) -> HelpHourRequest:
    """A methodologist accepts a submitted request."""
    return _methodologist_step(
        request_id=request_id, actor=actor, membership=membership, action=Action.ACCEPT, comment=comment
    )


def request_reject(*, request_id: int, actor: User, membership: Membership, reason: str) -> HelpHourRequest:
    """A methodologist rejects a submitted (or returned) request; the reason is required."""
    return _methodologist_step(
        request_id=request_id, actor=actor, membership=membership, action=Action.REJECT, comment=reason
    )


def request_return(*, request_id: int, actor: User, membership: Membership, question: str) -> HelpHourRequest:
    """A methodologist returns a submitted request for clarification; the question is required."""
    return _methodologist_step(
        request_id=request_id, actor=actor, membership=membership, action=Action.RETURN, comment=question
    )


def _centre_tutor(centre: Organisation, user_id: int) -> User:
    membership = (
        Membership.objects.select_related("user")
        .filter(organisation=centre, user_id=user_id, role=Role.TUTOR, is_active=True, user__is_active=True)
        .first()
    )
    if membership is None:
        raise TutornetError(_("Choose a tutor of %(centre)s.") % {"centre": centre.short_name}, field="tutor")
    return membership.user


def request_assign_tutor(
    *, request_id: int, tutor_id: int, actor: User, membership: Membership, comment: str = ""
) -> HelpHourRequest:
    """A methodologist assigns a tutor (an active tutor of the centre) to a request not yet scheduled."""
    _require(permissions.is_methodologist(membership))
    centre = permissions.centre_of(membership)
    assert centre is not None
    tutor = _centre_tutor(centre, tutor_id)
    return _methodologist_step(
        request_id=request_id,
        actor=actor,
        membership=membership,
        action=Action.ASSIGN_TUTOR,
        comment=comment,
        tutor=tutor,
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
    notify.transition(
        centre=centre, requests=[_reload(r.pk) for r in requests], action=Action.SCHEDULE, actor=actor
    )


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
        centre=centre, requests=[_reload(r.pk) for r in requests], action=action, actor=actor, comment=comment
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
            written(outcome.file)
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


# --- the export ---------------------------------------------------------------------------------


def export_start(
    *, actor: User, membership: Membership, date_from: date | None = None, date_to: date | None = None
) -> HelpHourExport:
    """Ask for the XLSX of the centre's figures; a Celery task builds it after commit, in the centre's schema.

    Poll ``selectors.export_status`` for ``state``/``progress``; download with
    ``selectors.export_open`` when ``state == "done"``.
    """
    _require(permissions.can_see_centre_figures(membership))
    if date_from and date_to and date_to < date_from:
        raise TutornetError(_("The period must end after it starts."), field="date_to")
    with in_centre(actor=actor, membership=membership) as centre:
        export = HelpHourExport.objects.create(requested_by=actor, date_from=date_from, date_to=date_to)
        schema = centre.schema_name
        transaction.on_commit(lambda: _queue_export(export.pk, schema))
        return export


def _queue_export(export_id: int, schema: str) -> None:
    try:
        # By the task's name: the tasks call the services, never the other way round.
        # The task runs in the schema it is sent from (tenant-schemas-celery).
        with schema_context(schema):
            celery_app.send_task(BUILD_EXPORT_TASK, args=[export_id])
    except Exception:
        logger.warning("Could not queue Help Hour export %s", export_id, exc_info=True)
        with schema_context(schema):
            HelpHourExport.objects.filter(pk=export_id).update(
                state=HelpHourExport.State.FAILED, error=EXPORT_FAILED
            )


def _progress(export_id: int, progress: int) -> None:
    # Its own statement, outside any transaction: pollers see it at once.
    HelpHourExport.objects.filter(pk=export_id).update(progress=progress)


def export_build(*, export_id: int) -> HelpHourExport:
    """Build the XLSX (runs in the centre's schema: the task's).  Idempotent: a finished export is kept.

    Progress goes 5 → … → 100 as sheets are written; a failure is recorded on the row.
    """
    from . import stats

    organisation = Organisation.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    claimed = HelpHourExport.objects.filter(
        pk=export_id, state__in=[HelpHourExport.State.PENDING, HelpHourExport.State.FAILED]
    ).update(state=HelpHourExport.State.RUNNING, progress=5, error="")
    export = HelpHourExport.objects.select_related("requested_by").get(pk=export_id)
    if not claimed:
        return export
    try:
        content = stats.workbook(
            centre=organisation,
            date_from=export.date_from,
            date_to=export.date_to,
            language=export.requested_by.language,
            on_progress=lambda p: _progress(export_id, p),
        )
        name = f"help-hour-{timezone.localdate(timezone.now(), organisation.zone):%Y-%m-%d}.xlsx"
        with files_removed_on_rollback(), transaction.atomic():
            export = HelpHourExport.objects.select_for_update().get(pk=export_id)
            export.file.save(name, ContentFile(content), save=False)
            written(export.file)
            export.state = HelpHourExport.State.DONE
            export.progress = 100
            export.finished_at = timezone.now()
            export.save()
    except Exception:
        # The details go to the log only; people see a plain sentence (no exception's class or text).
        logger.exception("Help Hour export %s failed", export_id)
        HelpHourExport.objects.filter(pk=export_id).update(
            state=HelpHourExport.State.FAILED, error=EXPORT_FAILED
        )
        raise
    return export
