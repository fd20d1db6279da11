"""Multi-day events: an Event has Days, a Day has time Blocks, a Block has parallel Tracks.

The rows live in the schema of the organisation that runs the event (the centre for a
district week, a school for its own), ARCHITECTURE 2.  Participants are users of the
public schema; ``Participant.organisation_id`` is the school (or centre) they came from.

Invariants held by PostgreSQL: one registration per person and event, one track per
participant and block, one rating per participant and track (0..5), one answer per
participant and question, one attendance per participant and track, counters never
negative and never above the places.  Capacity is held by a row lock on the event
(registration) or on the track (assignment) in the services, with the counters below.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MAX_RATING = 5


def _secret() -> str:
    return secrets.token_hex(16)


class Event(models.Model):
    class FillMode(models.TextChoices):
        FIRST_COME = "first_come", _("first come, first served")
        PREFERENCES = "preferences", _("by preferences")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CANCELLED = "cancelled", _("cancelled")

    class Audience(models.TextChoices):
        ALL = "all", _("all teachers")
        SCHOOLS = "schools", _("chosen schools")
        SUBJECTS = "subjects", _("teachers of chosen subjects")

    class BoardVisibility(models.TextChoices):
        ORGANISERS = "organisers", _("organisers only")
        PARTICIPANTS = "participants", _("all participants")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("organisers")
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.ALL)
    audience_school_ids = models.JSONField(_("schools"), default=list, blank=True)
    audience_subjects = models.ManyToManyField("tenants.Subject", blank=True, related_name="+")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    registered = models.PositiveIntegerField(default=0, editable=False)
    fill_mode = models.CharField(
        _("how tracks are filled"), max_length=16, choices=FillMode.choices, default=FillMode.PREFERENCES
    )
    rating_opens_at = models.DateTimeField(_("rating opens"), null=True, blank=True)
    rating_closes_at = models.DateTimeField(_("rating closes"), null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    points_attendance = models.PositiveIntegerField(_("points per attended session"), default=10)
    points_reflection = models.PositiveIntegerField(_("points per daily reflection"), default=5)
    board_visibility = models.CharField(
        _("points board visible to"),
        max_length=16,
        choices=BoardVisibility.choices,
        default=BoardVisibility.ORGANISERS,
    )
    hours = models.PositiveIntegerField(_("hours (certificate)"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="event_days_in_order"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(registered__lte=F("capacity")),
                name="event_registered_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(rating_opens_at__isnull=True)
                | Q(rating_closes_at__isnull=True)
                | Q(rating_closes_at__gt=F("rating_opens_at")),
                name="event_rating_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Day(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["event", "date"], name="event_day_unique")]

    def __str__(self) -> str:
        return self.title or self.date.isoformat()


class Block(models.Model):
    class Kind(models.TextChoices):
        TRACKS = "tracks", _("parallel tracks")
        DEFENCE = "defence", _("route defence")

    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="blocks")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TRACKS)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_block_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Track(models.Model):
    """A faculty or workshop: one of a block's parallel choices, with its own places."""

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="tracks")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("room"), max_length=200, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    places = models.PositiveIntegerField(_("places"))
    min_size = models.PositiveIntegerField(_("minimum size"), default=0)
    assigned = models.PositiveIntegerField(default=0, editable=False)
    position = models.PositiveIntegerField(default=0)
    checkin_secret = models.CharField(max_length=64, default=_secret, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(assigned__lte=F("places")), name="event_track_within_places"),
        ]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        CANCELLED = "cancelled", _("cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation_id = models.BigIntegerField()  # the school (or centre) of the membership used
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REGISTERED)
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["registered_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="event_participant_once")]

    def __str__(self) -> str:
        return str(self.user)


class Rating(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="ratings")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="ratings")
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "track"], name="event_rating_once"),
            models.CheckConstraint(condition=Q(value__lte=MAX_RATING), name="event_rating_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.track_id} = {self.value}"


class Assignment(models.Model):
    class How(models.TextChoices):
        ALLOCATED = "allocated", _("by preferences")
        FIRST_COME = "first_come", _("first come")
        MANUAL = "manual", _("by the organiser")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="assignments")
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="assignments")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="assignments")
    how = models.CharField(max_length=16, choices=How.choices)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "block"], name="event_one_track_per_block")
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} -> {self.track_id}"


class AllocationRun(models.Model):
    """The last allocation of a block, with what the organiser must see."""

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="runs")
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ran_at = models.DateTimeField(auto_now_add=True)
    satisfaction = models.PositiveIntegerField()
    best_possible = models.PositiveIntegerField()
    placed = models.PositiveIntegerField()
    unassigned_ids = models.JSONField(default=list)  # participant ids
    under_minimum_ids = models.JSONField(default=list)  # track ids

    class Meta:
        ordering = ["-ran_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.block_id}: {self.satisfaction}/{self.best_possible}"


class ReflectionQuestion(models.Model):
    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=500)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class ReflectionAnswer(models.Model):
    question = models.ForeignKey(ReflectionQuestion, on_delete=models.CASCADE, related_name="answers")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField()
    written_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "participant"], name="event_answer_once"),
            models.CheckConstraint(condition=~Q(text=""), name="event_answer_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text[:50]


class Task(models.Model):
    """A task of the event that the organiser scores (a points rule of its own)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    max_points = models.PositiveIntegerField(_("maximum points"))

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class TaskScore(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="scores")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="task_scores")
    points = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "participant"], name="event_task_scored_once")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.points}"


class Attendance(models.Model):
    class How(models.TextChoices):
        CODE = "code", _("check-in code")
        MARKED = "marked", _("marked by the organiser")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendances")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="attendances")
    how = models.CharField(max_length=16, choices=How.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "track"], name="event_attended_once")]

    def __str__(self) -> str:
        return f"{self.participant_id} @ {self.track_id}"


class DefenceAssignment(models.Model):
    """At the route defence a participant is assigned to a tutor: the tutor of their route
    (the routes feature reads it through ``selectors.tutor_assigned_at_defence``)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="defences")
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="defences")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "block"], name="event_one_defence_tutor")
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} -> tutor {self.tutor_id}"
