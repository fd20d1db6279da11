"""The transactional outbox, which is also each user's inbox, and the delivery log.

A business operation writes a ``Notification`` in its own transaction; a Celery
task delivers it (e-mail, in-app, WebSocket push) after commit; a beat job
re-queues anything still undelivered (ARCHITECTURE section 4).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    PASSWORD_RESET = "password_reset", _("Password reset")
    MEMBERSHIP_CHANGED = "membership_changed", _("Changes to my role")
    SCHOOL_ONBOARDED = "school_onboarded", _("New school joined")
    WELCOME = "welcome", _("Welcome")
    BOOKING_CONFIRMED = "booking_confirmed", _("Consultation booked")
    BOOKING_CANCELLED = "booking_cancelled", _("Consultation cancelled")
    BOOKING_RESCHEDULED = "booking_rescheduled", _("Consultation rescheduled")
    WAITLIST_OFFER = "waitlist_offer", _("A place from the waitlist is offered")
    CONSULTATION_REMINDER = "consultation_reminder", _("Consultation reminders")
    MATERIAL_SUBMITTED = "material_submitted", _("A material is submitted to the district bank")
    MATERIAL_PUBLISHED = "material_published", _("My material is published")
    MATERIAL_RETURNED = "material_returned", _("My material is returned for changes")
    MATERIAL_REJECTED = "material_rejected", _("My material is rejected")
    MATERIAL_COMMENT = "material_comment", _("A comment on my material")
    HELP_HOUR_SUBMITTED = "help_hour_submitted", _("A Help Hour request is submitted")
    HELP_HOUR_RETURNED = "help_hour_returned", _("A Help Hour request is returned for clarification")
    HELP_HOUR_ACCEPTED = "help_hour_accepted", _("A Help Hour request is accepted")
    HELP_HOUR_REJECTED = "help_hour_rejected", _("A Help Hour request is rejected")
    HELP_HOUR_WITHDRAWN = "help_hour_withdrawn", _("A Help Hour request is withdrawn")
    HELP_HOUR_TUTOR_ASSIGNED = "help_hour_tutor_assigned", _("A tutor is assigned to a Help Hour request")
    HELP_HOUR_SCHEDULED = "help_hour_scheduled", _("A Help Hour session is scheduled")
    HELP_HOUR_HELD = "help_hour_held", _("A Help Hour session is held")
    HELP_HOUR_CLOSED = "help_hour_closed", _("A Help Hour is closed with its outcome")
    DIAGNOSTIC_OPENED = "diagnostic_opened", _("A diagnostic test is open for me")
    DIAGNOSTIC_REMINDER = "diagnostic_reminder", _("A diagnostic test closes soon")
    DIAGNOSTIC_RESULT = "diagnostic_result", _("My diagnostic result is ready")
    TUTORIAL_PUBLISHED = "tutorial_published", _("A new tutorial for me")
    TUTORIAL_REGISTRATION = "tutorial_registration", _("My registration for a tutorial")
    TUTORIAL_WAITLIST_OFFER = "tutorial_waitlist_offer", _("A place in a tutorial is offered")
    TUTORIAL_CHANGED = "tutorial_changed", _("A tutorial is moved or cancelled")
    TUTORIAL_MESSAGE = "tutorial_message", _("A message from a tutorial's organiser")
    TUTORIAL_REMINDER = "tutorial_reminder", _("Tutorial reminders")
    ROUTE_COMMENT = "route_comment", _("A comment on a professional route")
    ROUTE_DEADLINE = "route_deadline", _("Deadlines of my professional route")


# Kinds whose e-mail cannot be switched off: the person needs the link in it.
ESSENTIAL_EMAIL_KINDS = frozenset({Kind.INVITATION, Kind.PASSWORD_RESET})


class Notification(models.Model):
    # Invitations and password resets may go to an address with no user yet.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    email = models.EmailField(_("e-mail"))
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    organisation = models.ForeignKey("tenants.Organisation", on_delete=models.PROTECT, null=True, blank=True)
    subject = models.CharField(pgettext_lazy("e-mail", "subject"), max_length=300)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    # Whether this notification is shown in the recipient's in-app inbox.
    in_app = models.BooleanField(default=True)
    # One optional file for the e-mail, e.g. an .ics event (text/calendar).
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_content = models.TextField(blank=True)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # When the sweep may try again after a failed e-mail (null: as soon as it is stuck).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # A worker claimed the row and is sending it until then (no row lock is held meanwhile);
    # after it, a crashed worker's claim lapses and another may take the row.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # How often the beat sweep re-queued it: each time it waits longer before the next.
    requeued = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(delivered_at__isnull=True), name="notification_undelivered"
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True, in_app=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """The delivery log: one row per channel a notification went out on.

    The unique constraint is what makes delivery idempotent: a second attempt
    to log the same channel for the same notification fails in the database.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        IN_APP = "in_app", _("in-app")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    delivered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="one_delivery_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id}/{self.channel}"


class Preference(models.Model):
    """Per-user, per-kind choice of e-mail delivery.  No row means e-mail on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    email_enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.kind}: {'on' if self.email_enabled else 'off'}"
