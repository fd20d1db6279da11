"""Requests: what a school files, sends and withdraws, and the centre's triage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from tenants.models import Organisation, Subject
from tutornet.errors import ConflictError, TutornetError
from tutornet.stored_files import file_written

from .. import notify, permissions
from ..centre import in_centre
from ..centre import require as _require
from ..files import validate_document
from ..models import (
    Category,
    HelpHourRequest,
    RequestEvent,
    Status,
)
from ..workflow import Action, target
from ._common import (
    MAX_PREFERRED_TIMES,
    TIME_RE,
    _locked_request,
    _reload,
    _step,
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
    file_written(request.document)


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
