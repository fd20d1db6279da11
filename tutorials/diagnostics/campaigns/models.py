"""Diagnostic campaigns: the test form, the difficulties questionnaire, attempts and results.

A district campaign lives in the centre's schema; a school's internal one in the
school's schema, with the same code (ARCHITECTURE 2).  Each attempt carries the
teacher's user id and the id of the school the teacher came from.

Invariants held by PostgreSQL: one attempt per campaign and teacher; one answer
row per attempt and item (saving again updates it); one questionnaire answer per
attempt and question; a campaign closes after it opens, with a positive time
limit and a threshold between 0 and 100 %; a grade is never above the item's
maximum.  The deadline (``Attempt.deadline``) is written once, by the server, at
the start: ``min(start + time limit, campaign close)``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codifier.models import CompetenceBlock


class Campaign(models.Model):
    class Form(models.TextChoices):
        FIXED = "fixed", _("Fixed items")
        BLUEPRINT = "blueprint", _("Items drawn per topic")

    title = models.CharField(_("title"), max_length=300)
    academic_year = models.ForeignKey(
        "tenants.AcademicYear", on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    subject = models.ForeignKey(
        "tenants.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    # Empty: every school of the centre (in a school's own schema: its own teachers).
    audience_school_ids = ArrayField(
        models.IntegerField(), blank=True, default=list, verbose_name=_("schools taking part")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_limit_minutes = models.PositiveIntegerField(_("time limit, minutes"))
    deficit_threshold = models.PositiveSmallIntegerField(
        _("deficit threshold, %"),
        default=60,
        help_text=_("A topic where the teacher scored below this share is a deficit."),
    )
    school_admins_see_names = models.BooleanField(_("school administrators see names"), default=False)
    form = models.CharField(_("test form"), max_length=16, choices=Form.choices, default=Form.FIXED)
    # Blueprint form: ``per_topic`` items drawn for each of these topics.
    blueprint_topics = models.ManyToManyField(
        "codifier.Topic", blank=True, related_name="+", verbose_name=_("blueprint topics")
    )
    per_topic = models.PositiveSmallIntegerField(_("items per topic"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Null while a draft: teachers see a campaign only once it is published.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    opening_notified_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("diagnostic campaign")
        verbose_name_plural = _("diagnostic campaigns")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="campaign_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__gt=0), name="campaign_time_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(deficit_threshold__lte=100), name="campaign_threshold_percent"
            ),
            models.CheckConstraint(
                condition=Q(form="fixed") | Q(per_topic__gt=0), name="campaign_blueprint_draws_items"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.published_at is not None and self.opens_at <= now < self.closes_at

    @property
    def is_closed(self) -> bool:
        return timezone.now() >= self.closes_at


class CampaignItem(models.Model):
    """A fixed form's item, in the order the teachers see it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey("diagnostics.ItemVersion", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "version"], name="campaign_item_once"),
            models.UniqueConstraint(fields=["campaign", "position"], name="campaign_item_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}#{self.position}"


class Question(models.Model):
    """A question of the difficulties questionnaire (анкета по затруднениям)."""

    class Kind(models.TextChoices):
        SCALE = "scale", _("Scale of difficulty")
        CHOICE = "choice", _("Choice")
        TEXT = "text", _("Free text")

    class Level(models.IntegerChoices):
        NONE = 0, _("I have no difficulties")
        PARTLY = 1, _("I have some difficulties")
        SERIOUS = 2, _("I have serious difficulties")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=1000)
    topic = models.ForeignKey(
        "codifier.Topic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("topic"),
    )
    competence_block = models.CharField(
        _("competence block"), max_length=16, choices=CompetenceBlock.choices, blank=True
    )
    choices = models.JSONField(_("options"), default=list, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="question_position_unique"),
            models.CheckConstraint(
                condition=~Q(kind="scale") | Q(topic__isnull=False) | ~Q(competence_block=""),
                name="scale_question_names_topic_or_block",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted, being graded")
        FINAL = "final", _("Result final")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="attempts")
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The teacher's school (an organisation id in the public schema), for the school's aggregates.
    school_id = models.IntegerField(null=True, blank=True)
    seed = models.BigIntegerField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_automatically = models.BooleanField(default=False)
    finalised_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    questionnaire_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "teacher"], name="one_attempt_per_campaign_teacher"),
            models.CheckConstraint(
                condition=Q(deadline__gt=F("started_at")), name="attempt_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress", submitted_at__isnull=True)
                | (~Q(status="in_progress") & Q(submitted_at__isnull=False)),
                name="attempt_submitted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="attempt_open_by_deadline"),
            models.Index(fields=["teacher", "status"], name="attempt_teacher_status"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.teacher_id}"


class AttemptItem(models.Model):
    """An item version shown in an attempt, at its position, with the points it earned."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey("diagnostics.ItemVersion", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    max_points = models.DecimalField(max_digits=6, decimal_places=2)
    # Null until scored (automatically on submission) or graded by a tutor.
    points = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    needs_grading = models.BooleanField(default=False)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    grader_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "version"], name="attempt_item_once"),
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_item_position_unique"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0, points__lte=F("max_points")),
                name="attempt_item_points_within_max",
            ),
        ]
        indexes = [
            models.Index(
                fields=["needs_grading"], condition=Q(needs_grading=True), name="attempt_item_to_grade"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"


class Answer(models.Model):
    """The teacher's answer to one item, saved as given (each save replaces it)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    version = models.ForeignKey("diagnostics.ItemVersion", on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(default=dict)
    saved_at = models.DateTimeField()
    saves = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "version"], name="answer_once_per_attempt_item")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.version_id}"


class QuestionnaireAnswer(models.Model):
    """An answer of the difficulties questionnaire: kept apart from the test's points."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questionnaire_answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    level = models.PositiveSmallIntegerField(null=True, blank=True, choices=Question.Level.choices)
    choice = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="questionnaire_answer_once"),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__lte=2), name="questionnaire_level_0_2"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id}"


class TopicResult(models.Model):
    """A final attempt's points on one codifier topic (written when the result is final)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="topic_results")
    topic = models.ForeignKey("codifier.Topic", on_delete=models.PROTECT, related_name="+")
    earned = models.DecimalField(max_digits=8, decimal_places=2)
    possible = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "topic"], name="topic_result_once"),
            models.CheckConstraint(condition=Q(possible__gt=0), name="topic_result_possible_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.topic_id}"

    @property
    def percent(self) -> float:
        return float(self.earned * 100 / self.possible)


class ItemAnalysis(models.Model):
    """The campaign's item analysis as last computed in the background (a cache in the database)."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="analysis")
    computed_at = models.DateTimeField()
    attempts = models.PositiveIntegerField()
    data = models.JSONField()

    def __str__(self) -> str:
        return f"{self.campaign_id}"
