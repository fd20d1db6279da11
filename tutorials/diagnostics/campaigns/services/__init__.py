"""Every write of the campaigns, one transaction each (see each module's invariants)."""

from .attempts import (
    answer_save,
    answer_sheet_save,
    attempt_start,
    attempt_submit,
    attempts_submit_due,
    questionnaire_answer_save,
    questionnaire_done,
    questionnaire_sheet_save,
)
from .campaigns import (
    audience,
    campaign_create,
    campaign_delete,
    campaign_extend,
    campaign_publish,
    campaign_update,
    question_add,
    question_delete,
    question_edit,
    question_editable,
)
from .grading import answer_grade, answer_regrade
from .notify import campaigns_notify_due

__all__ = [
    "answer_grade",
    "answer_regrade",
    "answer_save",
    "answer_sheet_save",
    "attempt_start",
    "attempt_submit",
    "attempts_submit_due",
    "audience",
    "campaign_create",
    "campaign_delete",
    "campaign_extend",
    "campaign_publish",
    "campaign_update",
    "campaigns_notify_due",
    "question_add",
    "question_delete",
    "question_edit",
    "question_editable",
    "questionnaire_answer_save",
    "questionnaire_done",
    "questionnaire_sheet_save",
]
