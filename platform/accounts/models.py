"""People: one ``User`` per person, memberships in organisations, invitations.

All in the public schema: one sign-in for every organisation (ARCHITECTURE sections 2, 3).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    TUTOR = "tutor", _("Tutor")
    METHODOLOGIST = "methodologist", _("Methodologist")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    CENTRE_ADMIN = "centre_admin", _("Centre administrator")


# Which roles an organisation of each kind can give.
SCHOOL_ROLES = (Role.TEACHER, Role.TUTOR, Role.SCHOOL_ADMIN)
CENTRE_ROLES = (Role.TUTOR, Role.METHODOLOGIST, Role.CENTRE_ADMIN)


def email_key(raw: str) -> str:
    """The one rule for e-mail addresses as keys: trimmed and lower-case (the table's
    ``user_email_lowercase`` constraint).  The sign-in page, the token API, invitations
    and the CSV import all go through it, so ``Probe@…`` and ``probe@…`` are one person
    and one sign-in throttle (django-axes counts the address as normalised here)."""
    return (raw or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        # ModelBackend's lookup: whatever the caller passed, the same rule as everywhere.
        return self.get(email=email_key(username or ""))

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("The e-mail must be set")
        user = self.model(email=email_key(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail"), unique=True)
    last_name = models.CharField(_("surname"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="ru")
    is_active = models.BooleanField(_("active"), default=True)  # type: ignore[misc]
    is_staff = models.BooleanField(_("operator staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Raised whenever one of the person's memberships changes (``accounts.signals``): part of
    # the key under which ``selectors.district_membership_for`` caches its answer, so every
    # process sees a change from the next request on (each request reads the person anew).
    access_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    def get_short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.patronymic) if p)
        return f"{self.last_name} {initials}".strip() or self.email


class Membership(models.Model):
    """A person's role in one organisation.  A person may hold several (one per organisation)."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        "tenants.Organisation",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    subjects = models.ManyToManyField("tenants.Subject", blank=True, verbose_name=_("subjects"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_organisation"),
        ]
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use, expiring link that makes a membership.  Only the token's hash is stored."""

    email = models.EmailField(_("e-mail"))
    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    subjects = models.ManyToManyField("tenants.Subject", blank=True)
    last_name = models.CharField(_("surname"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @staticmethod
    def hash_token(token: str) -> str:
        return _hash_token(token)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class AuditEvent(models.Model):
    """Who did what, when: written by services in the same transaction as the change."""

    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey("tenants.Organisation", on_delete=models.PROTECT, null=True, blank=True)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"


class TeacherBusy(models.Model):
    """The time one active consultation booking holds for its teacher, in whichever organisation.

    A booking lives in the schema of the organisation that owns the consultation
    (ARCHITECTURE 2), so the per-schema constraint ``teacher_bookings_do_not_overlap``
    cannot see the same person's booking in another organisation.  The booking
    service writes one row here per active booking, in the booking's own transaction
    (the tenant's search_path includes public), and deletes it when the booking is
    cancelled or moved; PostgreSQL then refuses a person's overlapping consultations
    across organisations (``teacher_busy_times_do_not_overlap``).

    ``(organisation, booking_id)`` is the cross-schema link to the booking.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # The rows mirror that organisation's bookings: they go with it.
    organisation = models.ForeignKey("tenants.Organisation", on_delete=models.CASCADE, related_name="+")
    booking_id = models.BigIntegerField()
    during = DateTimeRangeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "booking_id"], name="one_busy_time_per_booking"),
            ExclusionConstraint(
                name="teacher_busy_times_do_not_overlap",
                expressions=[("user", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} busy {self.during} (booking {self.organisation_id}/{self.booking_id})"
