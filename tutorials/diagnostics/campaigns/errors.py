"""Domain errors of campaigns and attempts: each becomes a form error, a message or a 4xx body."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tutornet.errors import ConflictError, NotFoundError, PermissionDeniedError, TutornetError


class CampaignInvalidError(TutornetError):
    code = "campaign_invalid"


class CampaignPermissionError(PermissionDeniedError):
    def __init__(self) -> None:
        super().__init__(_("You do not have permission to do this."))


class CampaignNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__(_("There is no such diagnostic campaign."))


class AttemptNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__(_("There is no such attempt."))


class CampaignNotOpenError(ConflictError):
    code = "campaign_not_open"


class DeadlinePassedError(ConflictError):
    """The attempt's time is over: the answer was not saved."""

    code = "deadline_passed"

    def __init__(self) -> None:
        super().__init__(_("Time is up: the answer was not saved. Your answers given in time are kept."))


class AttemptSubmittedError(ConflictError):
    """The attempt was already submitted (by the teacher, or automatically at the deadline)."""

    code = "already_submitted"

    def __init__(self, *, automatically: bool = False) -> None:
        super().__init__(
            _("The attempt was already submitted automatically when the time was up.")
            if automatically
            else _("The attempt is already submitted.")
        )


class ItemNotInAttemptError(TutornetError):
    code = "item_not_in_attempt"

    def __init__(self) -> None:
        super().__init__(_("This item is not part of your attempt."), field="version")


class GradeInvalidError(TutornetError):
    code = "grade_invalid"


class AlreadyGradedError(ConflictError):
    code = "already_graded"

    def __init__(self) -> None:
        super().__init__(_("This answer is already graded."))
