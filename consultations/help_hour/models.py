"""Help Hour data: requests, their timeline, sessions, outcomes, ratings, exports.

A tenant module of the consultations app (imported at the end of
``consultations/models.py`` so the migrations stay in that app).  The rows live
in the centre's schema; ``HelpHourRequest.organisation`` is the requesting
school (a public row: cross-schema link by id, ARCHITECTURE 2).

Invariants held by PostgreSQL:
* a request's status is one of ``Status`` (check constraint);
* a request has a session exactly when it is scheduled, held or closed;
* a request that left the draft has its submission time (withdrawn drafts aside);
* a session ends after it starts, has at least one place, a place when in person
  and a room when by video; it is closed only after it was held;
* a rating is 1–5, one per person and session;
* an export's progress is 0–100 and a finished export has its file.

Transitions are guarded in ``services`` by a row lock on the request
(``select_for_update``) and checked against ``workflow``.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    WORK_PROGRAM = "work_program", _("Work program")
    THEMATIC_PLANNING = "thematic_planning", _("Calendar-thematic planning")
    LESSON_PLAN = "lesson_plan", _("Lesson plan / technological map")
    CLASSROOM_METHODS = "classroom_methods", _("Classroom methods")
    EXAM_PREPARATION = "exam_preparation", _("State exam preparation")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("help hour status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("help hour status", "Submitted")
    NEEDS_CLARIFICATION = "needs_clarification", pgettext_lazy("help hour status", "Needs clarification")
    ACCEPTED = "accepted", pgettext_lazy("help hour status", "Accepted")
    SCHEDULED = "scheduled", pgettext_lazy("help hour status", "Scheduled")
    HELD = "held", pgettext_lazy("help hour status", "Held")
    CLOSED = "closed", pgettext_lazy("help hour status", "Closed")
    REJECTED = "rejected", pgettext_lazy("help hour status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("help hour status", "Withdrawn")


WITH_SESSION = (Status.SCHEDULED, Status.HELD, Status.CLOSED)


def _safe_name(filename: str) -> str:
    path = PurePath(filename)
    stem = slugify(path.stem, allow_unicode=True)[:80] or "document"
    return f"{stem}{path.suffix.lower()[:8]}"


def request_document_path(instance: HelpHourRequest, filename: str) -> str:
    # An unguessable folder: the storage is never served directly, but a path
    # must not reveal one school's documents to whoever guesses another's.
    return f"help_hour/requests/{uuid.uuid4().hex}/{_safe_name(filename)}"


def outcome_file_path(instance: OutcomeFile, filename: str) -> str:
    return f"help_hour/outcomes/{uuid.uuid4().hex}/{_safe_name(filename)}"


def export_file_path(instance: HelpHourExport, filename: str) -> str:
    return f"help_hour/exports/{uuid.uuid4().hex}/{_safe_name(filename)}"


class HelpHourSession(models.Model):
    """One Help Hour: a time, a place or a video room, tutors, and the requests merged into it."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video-conference")

    subject = models.ForeignKey(
        "tenants.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.VIDEO)
    place = models.CharField(_("place (address, room)"), max_length=300, blank=True)
    video_room = models.CharField(max_length=100, blank=True)
    capacity = models.PositiveSmallIntegerField(_("places"))
    tutors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("tutors"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    held_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The outcome the tutor records after the session.
    summary = models.TextField(_("summary"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Help Hour session")
        verbose_name_plural = _("Help Hour sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="help_session_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="help_session_has_places"),
            models.CheckConstraint(
                condition=(Q(mode="in_person") & ~Q(place="")) | (Q(mode="video") & ~Q(video_room="")),
                name="help_session_has_place_or_room",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(held_at__isnull=False),
                name="help_session_closed_after_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}{': ' + self.topic if self.topic else ''} {self.starts_at:%Y-%m-%d %H:%M}"


class HelpHourRequest(models.Model):
    """A school's request for a Help Hour, filed to the school's centre."""

    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    subject = models.ForeignKey(
        "tenants.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    description = models.TextField(_("what is difficult"), blank=True)
    document = models.FileField(_("document"), upload_to=request_document_path, blank=True, max_length=300)
    document_name = models.CharField(max_length=200, blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("participating teachers")
    )
    # [{"date": "2026-12-01", "from": "14:00", "to": "16:00"}, ...] in the centre's local time.
    preferred_times = models.JSONField(_("preferred dates and times"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    # The comment of the latest transition (a rejection reason, a clarification question...).
    status_comment = models.TextField(blank=True)
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tutor"),
    )
    session = models.ForeignKey(
        HelpHourSession, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Help Hour request")
        verbose_name_plural = _("Help Hour requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="help_request_status_valid"),
            models.CheckConstraint(
                condition=Q(status__in=WITH_SESSION, session__isnull=False)
                | (~Q(status__in=WITH_SESSION) & Q(session__isnull=True)),
                name="help_request_session_iff_scheduled",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[Status.DRAFT, Status.WITHDRAWN]) | Q(submitted_at__isnull=False),
                name="help_request_submitted_at_set",
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="help_request_category_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["status", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"№{self.pk} {self.subject} ({self.get_category_display()})"


class RequestEvent(models.Model):
    """One step of a request's timeline: who moved it from what to what, when, and why."""

    request = models.ForeignKey(HelpHourRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=24, blank=True)  # empty for the creation
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=Status.values), name="help_event_to_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(from_status="") | Q(from_status__in=Status.values),
                name="help_event_from_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status or '∅'} → {self.to_status} ({self.action})"


class OutcomeFile(models.Model):
    """A file the tutor returns after the session (e.g. an annotated work program)."""

    session = models.ForeignKey(HelpHourSession, on_delete=models.CASCADE, related_name="outcome_files")
    file = models.FileField(upload_to=outcome_file_path, max_length=300)
    name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class UsefulnessRating(models.Model):
    """A participant's rating of how useful the session was (changeable)."""

    session = models.ForeignKey(HelpHourSession, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("usefulness"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="help_rating_1_to_5"),
            models.UniqueConstraint(fields=["session", "user"], name="one_help_rating_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5"


class ExportState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class HelpHourExport(models.Model):
    """An XLSX export of the centre's Help Hour figures, built by a Celery task."""

    State = ExportState

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=export_file_path, blank=True, max_length=300)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="help_export_progress_0_100"),
            models.CheckConstraint(condition=Q(state__in=ExportState.values), name="help_export_state_valid"),
            models.CheckConstraint(
                condition=~Q(state="done") | ~Q(file=""), name="help_export_done_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.state}, {self.progress}%)"


# What ``consultations/models.py`` re-exports (the models only, for the app registry).
__all__ = [
    "HelpHourExport",
    "HelpHourRequest",
    "HelpHourSession",
    "OutcomeFile",
    "RequestEvent",
    "UsefulnessRating",
]
