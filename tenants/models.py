"""Organisations (tenants), their domains, and the directories every organisation shares.

All of these live in the public schema (ARCHITECTURE section 2).  Rows that
tenant rows point to are deactivated, never deleted (ARCHITECTURE section 7).
"""

from __future__ import annotations

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA zones of this machine's tz database: read from disk once (some 600 files),
    not on every form and every save."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value})


class Organisation(TenantMixin):
    class Kind(models.TextChoices):
        # The row of the public schema: the operator's site.
        OPERATOR = "operator", _("Platform operator")
        CENTRE = "centre", _("Education development centre")
        SCHOOL = "school", _("School")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("full name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    centre = models.ForeignKey(
        "self",
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schools",
        limit_choices_to={"kind": "centre"},
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "short_name"]
        constraints = [
            # A school belongs to exactly one centre; nothing else has one.
            models.CheckConstraint(
                condition=(Q(kind="school") & Q(centre__isnull=False))
                | (~Q(kind="school") & Q(centre__isnull=True)),
                name="organisation_school_has_centre",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    @property
    def is_school(self) -> bool:
        return self.kind == self.Kind.SCHOOL

    @property
    def is_centre(self) -> bool:
        return self.kind == self.Kind.CENTRE

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return self.domain


class Subject(models.Model):
    """A school subject (математика, русский язык, ...): a directory shared by all."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    # The name in the English interface (empty: the Russian name is shown there too).
    name_en = models.CharField(_("name in English"), max_length=120, blank=True, default="")
    code = models.SlugField(_("code"), max_length=50, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["name"]
        constraints = [
            # The rule subject_save checks ("Физика" and "физика" are one subject), held by the database.
            models.UniqueConstraint(Lower("name"), name="subject_name_ci_unique"),
        ]

    def __str__(self) -> str:
        # A list that loaded only id and name (``.only("id", "name")``) must not query per row.
        if "name_en" not in self.get_deferred_fields() and self.name_en and get_language() == "en":
            return self.name_en
        return self.name


class AcademicYear(models.Model):
    """An academic year, September to August (учебный год)."""

    name = models.CharField(_("name"), max_length=20, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="academic_year_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_academic_year"
            ),
        ]

    def __str__(self) -> str:
        return self.name
