"""The Help Hour request's state machine: which action moves a request from which status to which.

    draft → submitted → (needs_clarification ↔ submitted) → accepted → scheduled → held → closed
    submitted | needs_clarification → rejected
    draft | submitted | needs_clarification | accepted → withdrawn (by the school)

Assigning a tutor is recorded on the timeline like a transition but keeps the
status.  The services lock the request's row, ask ``target`` and write the
event; ``target`` refuses anything else with a message that names the current
status and the attempted action.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from tutornet.errors import ConflictError

from .models import Status


class Action(models.TextChoices):
    CREATE = "create", pgettext_lazy("help hour action", "Create")
    SUBMIT = "submit", pgettext_lazy("help hour action", "Submit")
    RETURN = "return_for_clarification", pgettext_lazy("help hour action", "Return for clarification")
    ACCEPT = "accept", pgettext_lazy("help hour action", "Accept")
    REJECT = "reject", pgettext_lazy("help hour action", "Reject")
    WITHDRAW = "withdraw", pgettext_lazy("help hour action", "Withdraw")
    ASSIGN_TUTOR = "assign_tutor", pgettext_lazy("help hour action", "Assign a tutor")
    SCHEDULE = "schedule", pgettext_lazy("help hour action", "Schedule")
    HOLD = "hold", pgettext_lazy("help hour action", "Mark as held")
    CLOSE = "close", pgettext_lazy("help hour action", "Close")


# action -> (the statuses it may start from, the status it leads to; None: unchanged)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.SUBMIT: (frozenset({Status.DRAFT, Status.NEEDS_CLARIFICATION}), Status.SUBMITTED),
    Action.RETURN: (frozenset({Status.SUBMITTED}), Status.NEEDS_CLARIFICATION),
    Action.ACCEPT: (frozenset({Status.SUBMITTED}), Status.ACCEPTED),
    Action.REJECT: (frozenset({Status.SUBMITTED, Status.NEEDS_CLARIFICATION}), Status.REJECTED),
    Action.WITHDRAW: (
        frozenset({Status.DRAFT, Status.SUBMITTED, Status.NEEDS_CLARIFICATION, Status.ACCEPTED}),
        Status.WITHDRAWN,
    ),
    Action.ASSIGN_TUTOR: (frozenset({Status.SUBMITTED, Status.NEEDS_CLARIFICATION, Status.ACCEPTED}), None),
    Action.SCHEDULE: (frozenset({Status.ACCEPTED}), Status.SCHEDULED),
    Action.HOLD: (frozenset({Status.SCHEDULED}), Status.HELD),
    Action.CLOSE: (frozenset({Status.HELD}), Status.CLOSED),
}

# Actions that need a comment: the school must learn why.
COMMENT_REQUIRED = frozenset({Action.RETURN, Action.REJECT})


class IllegalTransitionError(ConflictError):
    code = "illegal_transition"

    def __init__(self, status: str, action: str) -> None:
        super().__init__(
            _("The request is “%(status)s”: “%(action)s” is not possible.")
            % {"status": Status(status).label, "action": Action(action).label},
            field="status",
        )
        self.status_value = status
        self.action = action


def target(status: str, action: str) -> str:
    """The status ``action`` leads to from ``status``; IllegalTransitionError if it may not be taken."""
    sources, to = TRANSITIONS[Action(action)]
    if status not in sources:
        raise IllegalTransitionError(status, action)
    return status if to is None else to


def allowed_actions(status: str) -> list[Action]:
    """The actions the state machine allows from ``status`` (pages offer these buttons)."""
    return [action for action, (sources, _to) in TRANSITIONS.items() if status in sources]
