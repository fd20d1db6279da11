"""Consultations: tutors' offerings and availability, slots, bookings, waitlists.

A tenant app: the same tables serve the centre (municipal tutors) and a school
(its own mentors); the level is whose schema you are in (ARCHITECTURE 1, 2).

Invariants held by PostgreSQL, not only by Python (ARCHITECTURE 7):
* a tutor's active slots never overlap (exclusion constraint);
* a teacher's active bookings never overlap (exclusion constraint);
* a slot never holds more bookings (plus places offered to its waitlist) than
  its capacity: a check constraint on the counters, which the booking service
  updates under a row lock on the slot;
* an individual offering has capacity 1; one active booking per teacher and slot.

Times are stored in UTC and built from the organisation's time zone (ARCHITECTURE 8).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only used inside the constraint expression


class Offering(models.Model):
    """What a tutor offers: a subject (and topic), individual or group, in person or by video."""

    class Format(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        GROUP = "group", _("Group")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video-conference")

    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("tutor")
    )
    subject = models.ForeignKey(
        "tenants.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    format = models.CharField(_("format"), max_length=12, choices=Format.choices, default=Format.INDIVIDUAL)
    capacity = models.PositiveSmallIntegerField(_("places"), default=1)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.VIDEO)
    place = models.CharField(_("consultation point (address, room)"), max_length=300, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length, minutes"), default=45)
    buffer_minutes = models.PositiveSmallIntegerField(_("break between consultations, minutes"), default=15)
    min_notice_hours = models.PositiveSmallIntegerField(_("minimum booking notice, hours"), default=12)
    horizon_days = models.PositiveSmallIntegerField(_("booking horizon, days"), default=28)
    cancel_deadline_hours = models.PositiveSmallIntegerField(
        _("cancel/reschedule until, hours before"), default=12
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # What its tutor sets besides the subject (the page's form and the API edit the same ones).
    SETTINGS = (
        "topic", "format", "capacity", "mode", "place", "slot_minutes", "buffer_minutes",
        "min_notice_hours", "horizon_days", "cancel_deadline_hours",
    )  # fmt: skip

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        constraints = [
            models.CheckConstraint(
                condition=(Q(format="individual") & Q(capacity=1)) | (Q(format="group") & Q(capacity__gte=2)),
                name="offering_capacity_matches_format",
            ),
            models.CheckConstraint(
                condition=Q(mode="video") | ~Q(place=""), name="offering_in_person_has_place"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=10), name="offering_slot_at_least_10_minutes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}{': ' + self.topic if self.topic else ''}"


class WeeklyAvailability(models.Model):
    """A recurring weekly window, in the organisation's local time."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="weekly")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekly_weekday_0_to_6"),
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="weekly_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday}: {self.starts:%H:%M}-{self.ends:%H:%M}"


class AvailabilityException(models.Model):
    """A one-off change: a day (or hours) off, or extra hours for an offering."""

    class Kind(models.TextChoices):
        UNAVAILABLE = "unavailable", _("Not available")
        EXTRA = "extra", _("Extra hours")

    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, null=True, blank=True, related_name="exceptions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"))
    # Empty times on an "unavailable" exception mean the whole day.
    starts = models.TimeField(_("from"), null=True, blank=True)
    ends = models.TimeField(_("to"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(starts__isnull=True) & Q(ends__isnull=True)) | Q(ends__gt=F("starts")),
                name="exception_hours_in_order",
            ),
            models.CheckConstraint(
                condition=Q(kind="unavailable") | (Q(offering__isnull=False) & Q(starts__isnull=False)),
                name="exception_extra_hours_have_offering_and_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class Slot(models.Model):
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="slots")
    # Copied from the offering so PostgreSQL can refuse overlapping slots of one tutor.
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)
    # Places held for waitlisted teachers who were offered them and have not answered yet.
    offered = models.PositiveSmallIntegerField(default=0)
    is_cancelled = models.BooleanField(default=False)
    # The video room's name (providers build URLs from it); empty for in-person slots.
    video_room = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity") - F("offered")), name="slot_not_overbooked"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
            models.UniqueConstraint(fields=["offering", "starts_at"], name="one_slot_per_offering_and_start"),
            ExclusionConstraint(
                name="tutor_slots_do_not_overlap",
                expressions=[
                    ("tutor", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=Q(is_cancelled=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free_places(self) -> int:
        return max(self.capacity - self.booked - self.offered, 0)


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        HELD = "held", _("Held")
        NO_SHOW = "no_show", _("Did not come")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The school the teacher came from (a public row: cross-schema link by id).
    teacher_organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Copied from the slot so PostgreSQL can refuse a teacher's overlapping bookings.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    question = models.TextField(_("your question"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rescheduled_to"
    )
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_1h_sent_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "teacher"],
                condition=~Q(status="cancelled"),
                name="one_active_booking_per_slot",
            ),
            ExclusionConstraint(
                name="teacher_bookings_do_not_overlap",
                expressions=[
                    ("teacher", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=~Q(status="cancelled"),
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled") | Q(cancelled_at__isnull=True), name="booking_cancel_fields"
            ),
        ]
        indexes = [
            models.Index(fields=["teacher", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} → {self.slot}"


class Rating(models.Model):
    """The teacher's rating of a held consultation."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_1_to_5")]

    def __str__(self) -> str:
        return f"{self.score}/5"


class WaitlistEntry(models.Model):
    """A teacher waiting for a place in a full group slot; offered the place for a limited time."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Place offered")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Offer expired")
        CANCELLED = "cancelled", _("Left the waitlist")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="waitlist")
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    teacher_organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    question = models.TextField(_("your question"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "teacher"],
                condition=Q(status__in=["waiting", "offered"]),
                name="one_open_waitlist_entry_per_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} ({self.get_status_display()})"


class CalendarFeed(models.Model):
    """A personal ICS feed of one person's consultations in this organisation; revocable."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_feed_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"feed of {self.user}"
