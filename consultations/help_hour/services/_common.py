"""What the Help Hour services share: locking a request or a session, one workflow step."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from tutornet.errors import NotFoundError, TutornetError

from ..models import (
    HelpHourRequest,
    HelpHourSession,
    RequestEvent,
)
from ..workflow import COMMENT_REQUIRED, Action, target

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


def _loaded() -> QuerySet[HelpHourRequest]:
    return HelpHourRequest.objects.select_related(
        "organisation", "requester", "subject", "tutor", "session"
    ).prefetch_related("participants", "session__tutors", "events__actor")


def _reload(request_id: int) -> HelpHourRequest:
    """The request with what pages and notifications read, loaded in the current (centre) schema."""
    return _loaded().get(pk=request_id)


def _reload_all(requests: Iterable[HelpHourRequest]) -> list[HelpHourRequest]:
    """``_reload`` for several requests (a merged session's) in a fixed number of queries, in pk order."""
    return list(_loaded().filter(pk__in=[r.pk for r in requests]).order_by("pk"))
