"""Help Hour reads, for the school's host and the centre's host alike.

Every selector enters the centre's schema itself (``centre.in_centre``) and
returns evaluated lists / loaded objects: a lazy QuerySet evaluated later on a
school's host would silently read that school's own (empty) tables.  A school
only ever gets its own requests: lists are filtered by the school, and a
request of another school is ``NotFoundError`` (its existence is not revealed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from tenants.models import Organisation
from tutornet.errors import NotFoundError, PermissionDeniedError

from . import permissions, stats
from .centre import in_centre, session_load
from .models import HelpHourExport, HelpHourRequest, HelpHourSession, OutcomeFile, RequestEvent

_RELATED = ("organisation", "requester", "subject", "tutor", "session")
_PREFETCH = ("participants", "session__tutors")


def _base() -> Any:
    return HelpHourRequest.objects.select_related(*_RELATED).prefetch_related(*_PREFETCH)


def _not_found() -> NotFoundError:
    return NotFoundError(_("There is no such request."))


def school_requests(
    *, actor: User, membership: Membership, status: str | None = None
) -> list[HelpHourRequest]:
    """The school's requests the actor may see.

    School admins see all of the school's; teachers those they filed or take part in.
    """
    if not permissions.is_school_staff(membership):
        raise PermissionDeniedError(_("You do not have permission to do this."))
    with in_centre(actor=actor, membership=membership, atomic=False):
        queryset = _base().filter(organisation_id=membership.organisation_id)
        if membership.role != Role.SCHOOL_ADMIN:
            queryset = queryset.filter(Q(requester=actor) | Q(participants=actor))
        if status:
            queryset = queryset.filter(status=status)
        return list(queryset.distinct().order_by("-created_at", "-pk"))


def request_detail(*, request_id: int, actor: User, membership: Membership) -> HelpHourRequest:
    """One request with its timeline (``request.events.all()``), participants and session.

    School staff see only their school's; centre staff every request of the centre; a tutor theirs.
    """
    with in_centre(actor=actor, membership=membership, atomic=False):
        request = (
            _base()
            .prefetch_related("events__actor", "session__outcome_files", "session__requests__participants")
            .filter(pk=request_id)
            .first()
        )
        if request is None or not permissions.can_see_request(membership, request):
            raise _not_found()
        return request


def request_timeline(*, request_id: int, actor: User, membership: Membership) -> list[RequestEvent]:
    """Who moved the request from which status to which, when and why (oldest first)."""
    return list(request_detail(request_id=request_id, actor=actor, membership=membership).events.all())


def centre_queue(
    *,
    actor: User,
    membership: Membership,
    subject_id: int | None = None,
    category: str | None = None,
    status: str | Sequence[str] | None = None,
    school_id: int | None = None,
    min_age_days: int | None = None,
    max_age_days: int | None = None,
    now: datetime | None = None,
) -> list[HelpHourRequest]:
    """The methodologists' queue: requests that reached the centre (no drafts), oldest first.

    Age is counted from the latest submission: ``min_age_days=7`` shows those
    waiting a week or more.  ``status`` may be one status or several.
    """
    if not permissions.can_see_centre_figures(membership):
        raise PermissionDeniedError(_("You do not have permission to do this."))
    now = now or timezone.now()
    with in_centre(actor=actor, membership=membership, atomic=False):
        queryset = _base().filter(submitted_at__isnull=False)
        if subject_id:
            queryset = queryset.filter(subject_id=subject_id)
        if category:
            queryset = queryset.filter(category=category)
        if status:
            queryset = queryset.filter(status__in=[status] if isinstance(status, str) else list(status))
        if school_id:
            queryset = queryset.filter(organisation_id=school_id)
        if min_age_days is not None:
            queryset = queryset.filter(submitted_at__lte=now - timedelta(days=min_age_days))
        if max_age_days is not None:
            queryset = queryset.filter(submitted_at__gte=now - timedelta(days=max_age_days))
        return list(queryset.order_by("submitted_at", "pk"))


def tutor_requests(*, actor: User, membership: Membership) -> list[HelpHourRequest]:
    """The requests a centre tutor is assigned to, directly or through a session."""
    if not permissions.is_centre_tutor(membership):
        raise PermissionDeniedError(_("You do not have permission to do this."))
    with in_centre(actor=actor, membership=membership, atomic=False):
        queryset = _base().filter(Q(tutor=actor) | Q(session__tutors=actor))
        return list(queryset.distinct().order_by("submitted_at", "pk"))


def session_detail(*, session_id: int, actor: User, membership: Membership) -> HelpHourSession:
    """A session with its requests, tutors, outcome files and ratings, for those who may see it."""
    with in_centre(actor=actor, membership=membership, atomic=False):
        session = session_load(session_id)
        if not permissions.can_see_session(membership, session):
            raise NotFoundError(_("There is no such session."))
        return session


def session_join_url(
    *, session_id: int, actor: User, membership: Membership, now: datetime | None = None
) -> str | None:
    """The actor's join link for a video session, or None.

    Only the session's participants and tutors (tutors as moderators) get one,
    and only from ``VIDEO_JOIN_OPENS_MINUTES`` before the start until the end.
    """
    from consultations.video import join_url_for_room

    with in_centre(actor=actor, membership=membership, atomic=False):
        session = session_load(session_id)
        if session.mode != HelpHourSession.Mode.VIDEO or session.closed_at is not None:
            return None
        if not permissions.can_join_session(actor, session):
            return None
        return join_url_for_room(
            room=session.video_room,
            display_name=actor.get_full_name() or actor.email,
            email=actor.email,
            is_moderator=permissions.is_session_tutor(actor, session),
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            now=now,
        )


def _open(field_file: Any, name: str) -> tuple[IO[bytes], str]:
    # The tenant-aware storage resolves the path in the active (centre) schema.
    return default_storage.open(field_file.name, "rb"), name


def document_open(*, request_id: int, actor: User, membership: Membership) -> tuple[IO[bytes], str]:
    """The request's document (an open binary file and its original name) for those involved.

    Others, and anyone from another school, get ``NotFoundError``.
    """
    with in_centre(actor=actor, membership=membership, atomic=False):
        request = _base().filter(pk=request_id).first()
        if request is None or not permissions.can_download_document(membership, request):
            raise _not_found()
        if not request.document:
            raise NotFoundError(_("The request has no document."))
        return _open(request.document, request.document_name or request.document.name.rsplit("/", 1)[-1])


def outcome_file_open(*, file_id: int, actor: User, membership: Membership) -> tuple[IO[bytes], str]:
    """A file the tutor returned, for those who may see the session."""
    with in_centre(actor=actor, membership=membership, atomic=False):
        outcome = OutcomeFile.objects.filter(pk=file_id).first()
        if outcome is None or not permissions.can_see_session(membership, session_load(outcome.session_id)):
            raise NotFoundError(_("There is no such file."))
        return _open(outcome.file, outcome.name)


def centre_figures(
    *, actor: User, membership: Membership, date_from: date | None = None, date_to: date | None = None
) -> stats.Figures:
    """Counts by school, subject, category and month, and the average time from request to session."""
    if not permissions.can_see_centre_figures(membership):
        raise PermissionDeniedError(_("You do not have permission to do this."))
    with in_centre(actor=actor, membership=membership, atomic=False) as centre:
        return stats.figures(centre=centre, date_from=date_from, date_to=date_to)


def export_status(*, export_id: int, actor: User, membership: Membership) -> HelpHourExport:
    """An export's state and progress (0–100), for polling."""
    if not permissions.can_see_centre_figures(membership):
        raise PermissionDeniedError(_("You do not have permission to do this."))
    with in_centre(actor=actor, membership=membership, atomic=False):
        export = HelpHourExport.objects.filter(pk=export_id).first()
        if export is None:
            raise NotFoundError(_("There is no such export."))
        return export


def export_open(*, export_id: int, actor: User, membership: Membership) -> tuple[IO[bytes], str]:
    """The finished XLSX (open binary file, download name); NotFoundError until it is ready."""
    export = export_status(export_id=export_id, actor=actor, membership=membership)
    if export.state != HelpHourExport.State.DONE:
        raise NotFoundError(_("The export is not ready yet."))
    with in_centre(actor=actor, membership=membership, atomic=False):
        return _open(export.file, (export.file.name or "").rsplit("/", 1)[-1])


def centre_tutors(*, centre: Organisation) -> list[User]:
    """Active tutors of the centre (to assign to requests and sessions)."""
    return [
        m.user
        for m in Membership.objects.select_related("user")
        .filter(organisation=centre, role=Role.TUTOR, is_active=True, user__is_active=True)
        .order_by("user__last_name", "user__first_name")
    ]


def school_staff(*, school: Organisation) -> list[User]:
    """Active staff of a school (to choose the participating teachers)."""
    return [
        m.user
        for m in Membership.objects.select_related("user")
        .filter(organisation=school, is_active=True, user__is_active=True)
        .order_by("user__last_name", "user__first_name")
    ]
