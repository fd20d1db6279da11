"""Tutorials: seminars, trainings, master classes, supervision, workshops, consultations on a theme.

A tenant app (ARCHITECTURE 1, 2): district tutorials live in the centre's
schema, a school's own seminars in the school's; the code is the same.

The participation ``Certificate`` is shared with multi-day events
(``tutorials.events``): it names what it certifies by (source, id).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def certificate_path(instance: Certificate, filename: str) -> str:
    # The tenant storage prefixes the schema; the name is the public token, never user text.
    return f"certificates/{instance.token}.pdf"


class Certificate(models.Model):
    """A participation certificate: who took part in what, frozen at issue.

    The thing it certifies is named by (``source``, ``source_id``): a tutorial,
    an event, ...  The text on it (name, title, dates, hours, organiser) is
    copied at issue, so a later rename of the tutorial or the person does not
    change a document someone already filed for attestation.  ``token`` is the
    public verification id in the link printed on it.
    """

    class Source(models.TextChoices):
        TUTORIAL = "tutorial", _("tutorial")
        EVENT = "event", _("multi-day event")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("what it certifies"), max_length=20, choices=Source.choices)
    source_id = models.PositiveBigIntegerField()
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder_name = models.CharField(_("participant"), max_length=300)
    title = models.CharField(_("title"), max_length=500)
    kind_label = models.CharField(_("form"), max_length=100, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    organiser = models.CharField(_("organiser"), max_length=500)
    organisation_name = models.CharField(_("organisation"), max_length=300)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    pdf = models.FileField(upload_to=certificate_path, max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "source", "source_id"], name="one_certificate_per_thing"),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="certificate_hours_positive"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="certificate_dates_ordered"
            ),
        ]
        indexes = [models.Index(fields=["source", "source_id"], name="certificate_source")]

    def __str__(self) -> str:
        return f"{self.holder_name}: {self.title}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class Kind(models.TextChoices):
    SEMINAR = "seminar", _("seminar")
    TRAINING = "training", _("training")
    MASTER_CLASS = "master_class", _("master class")
    SUPERVISION = "supervision", _("supervision")
    WORKSHOP = "workshop", _("workshop")
    CONSULTATION = "consultation", _("consultation on a theme")


# How a certificate names the form ("took part in the <seminar>"): the Russian needs the prepositional case.
KIND_ON_CERTIFICATE = {
    Kind.SEMINAR: _("the seminar"),
    Kind.TRAINING: _("the training"),
    Kind.MASTER_CLASS: _("the master class"),
    Kind.SUPERVISION: _("the supervision session"),
    Kind.WORKSHOP: _("the workshop"),
    Kind.CONSULTATION: _("the consultation on a theme"),
}


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    VIDEO = "video", _("video-conference")
    MIXED = "mixed", _("in person and by video")


class Tutorial(models.Model):
    """A group learning event: one session or a series, with registration, attendance and certificates.

    Invariant (PostgreSQL): the places taken (confirmed, awaiting approval, or
    offered from the waiting list) never exceed the capacity; the registration
    services update ``places_taken`` under a row lock on the tutorial.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SEMINAR)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)  # sanitised HTML
    subjects = models.ManyToManyField(
        "tenants.Subject", blank=True, related_name="+", verbose_name=_("subjects")
    )
    topics = models.ManyToManyField(
        "codifier.Topic", blank=True, related_name="+", verbose_name=_("codifier topics")
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("organisers")
    )
    speakers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("speakers")
    )
    audience_all = models.BooleanField(_("all teachers"), default=True)
    audience_subjects = models.ManyToManyField(
        "tenants.Subject", blank=True, related_name="+", verbose_name=_("for teachers of")
    )
    audience_schools = models.ManyToManyField(
        "tenants.Organisation", blank=True, related_name="+", verbose_name=_("for schools")
    )
    format = models.CharField(_("format"), max_length=20, choices=Format.choices, default=Format.IN_PERSON)
    place = models.CharField(_("place"), max_length=300, blank=True)
    video_room = models.CharField(max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    places_taken = models.PositiveIntegerField(default=0)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration and cancelling until"))
    requires_approval = models.BooleanField(_("the organiser approves registrations"), default=False)
    hours = models.DecimalField(_("academic hours"), max_digits=5, decimal_places=1, default=2)
    case_materials = models.ManyToManyField(
        "casebank.Material", blank=True, related_name="+", verbose_name=_("case materials")
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Bumped on every move or cancellation, so calendars replace the event (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    cancel_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # First session's start and last session's end, kept by the services for listing and sorting.
    starts_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tutorial")
        verbose_name_plural = _("tutorials")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="tutorial_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(places_taken__lte=models.F("capacity")), name="tutorial_within_capacity"
            ),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="tutorial_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def has_video(self) -> bool:
        return self.format in (Format.VIDEO, Format.MIXED)

    @property
    def has_place(self) -> bool:
        return self.format in (Format.IN_PERSON, Format.MIXED)


class Session(models.Model):
    """One meeting of a tutorial; a series has several.  Each has its own check-in secret."""

    tutorial = models.ForeignKey(Tutorial, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    checkin_secret = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tutorial_id}@{self.starts_at:%Y-%m-%d %H:%M}"


class Registration(models.Model):
    """A teacher's place (or their turn on the waiting list) in a tutorial."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        CONFIRMED = "confirmed", _("registered")
        WAITLISTED = "waitlisted", _("on the waiting list")
        OFFERED = "offered", _("a place is offered")
        CANCELLED = "cancelled", _("cancelled")
        REJECTED = "rejected", _("declined by the organiser")

    # These hold a place (counted in ``Tutorial.places_taken``).
    HOLDING = (Status.PENDING, Status.CONFIRMED, Status.OFFERED)
    ACTIVE = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED)

    tutorial = models.ForeignKey(Tutorial, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The school the teacher came from (a public id; shown in lists and exports).
    school = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tutorial", "user"],
                condition=models.Q(status__in=["pending", "confirmed", "waitlisted", "offered"]),
                name="one_active_registration_per_teacher",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="offered") | models.Q(offer_expires_at__isnull=False),
                name="offer_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["tutorial", "status", "created_at"], name="registration_queue"),
            models.Index(fields=["user", "status"], name="registration_of_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.tutorial_id}: {self.status}"


class Attendance(models.Model):
    """A participant was at a session: marked by the organiser or checked in with the code."""

    class Method(models.TextChoices):
        ORGANISER = "organiser", _("marked by the organiser")
        CODE = "code", _("checked in with the code")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=20, choices=Method.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_attendance_per_session")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.session_id}"


class Feedback(models.Model):
    """What a participant thought of a tutorial (once per person)."""

    tutorial = models.ForeignKey(Tutorial, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(_("rating"))
    useful = models.TextField(_("what was useful"), blank=True)
    will_use = models.TextField(_("what I will use in my lessons"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tutorial", "user"], name="one_feedback_per_participant"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.tutorial_id}: {self.rating}"


def material_path(instance: Material, filename: str) -> str:
    # The tenant storage prefixes the schema; the stored name is generated, never the uploader's.
    return f"tutorials/{instance.tutorial_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :][:10]}"


class Material(models.Model):
    """A file attached to a tutorial, for before (preparation) or after (the session's materials)."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("before the tutorial")
        AFTER = "after", _("after the tutorial")

    tutorial = models.ForeignKey(Tutorial, on_delete=models.CASCADE, related_name="materials")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=material_path, max_length=300)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stage", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


class SessionReminder(models.Model):
    """A reminder sent to one registration before one session (24 h or 1 h ahead).

    The row is the claim: the unique constraint lets one sweep send it, once,
    whatever runs in parallel or again; a moved tutorial's sessions are made
    anew, so their reminders are due again.
    """

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    lead_hours = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session", "lead_hours"], name="tutorial_session_reminded_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}@{self.session_id}-{self.lead_hours}h"
