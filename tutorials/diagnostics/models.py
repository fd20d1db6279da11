"""The question bank of the diagnostics: items, their versions, their images.

A tenant app (ARCHITECTURE 1, 2): a centre's bank serves the district campaigns, a
school's bank its own internal diagnostics; the schema keeps them apart.

An :class:`Item` is the stable identity of a question (its subject and type); its
content lives in :class:`ItemVersion` rows numbered 1, 2, ...  ``Item.current_version``
is the version the bank shows and a new campaign draws.  A version that a campaign has
used (``used_at`` set, see ``services.versions_mark_used``) is never edited again:
editing the item then makes a new version, so attempts keep the version they were shown.

``ItemVersion.body`` holds the type's content (documented in :mod:`.scoring`, which
is the one place that reads it to score an answer).

Invariants held by PostgreSQL: one version number per item; positive maximum points;
the type is one of :class:`ItemType`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SHORT = "short", _("Short answer")
    NUMERIC = "numeric", _("Numeric answer")
    MATCHING = "matching", _("Matching")
    EXTENDED = "extended", _("Extended answer")


# Types scored by the machine; an extended answer is graded by a person.
AUTO_SCORED_TYPES = frozenset(
    {ItemType.SINGLE, ItemType.MULTIPLE, ItemType.SHORT, ItemType.NUMERIC, ItemType.MATCHING}
)
CHOICE_TYPES = frozenset({ItemType.SINGLE, ItemType.MULTIPLE})


class Item(models.Model):
    subject = models.ForeignKey(
        "tenants.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    type = models.CharField(_("type"), max_length=16, choices=ItemType.choices)
    # A short label for lists and imports (Moodle's question name); the text is in the version.
    name = models.CharField(_("name"), max_length=255, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    archived = models.BooleanField(_("archived"), default=False)
    current_version = models.ForeignKey(
        "ItemVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=[t.value for t in ItemType]), name="diagnostics_item_type_known"
            )
        ]
        indexes = [models.Index(fields=["subject", "type"], name="diag_item_subject_type")]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class ItemVersion(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="versions", verbose_name=_("item"))
    number = models.PositiveIntegerField(_("version"))
    # Sanitised HTML; formulas in LaTeX between \( \), \[ \] or $ $, rendered in the browser.
    text = models.TextField(_("text"))
    body = models.JSONField(_("content"), default=dict)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2, default=1)
    topics = models.ManyToManyField(
        "codifier.Topic", related_name="+", blank=True, verbose_name=_("codifier topics")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Set when a campaign first uses the version; from then on it is never edited.
    used_at = models.DateTimeField(_("first used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="diagnostics_version_number_unique"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="diagnostics_version_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item} v{self.number}"

    @property
    def type(self) -> str:
        return self.item.type

    @property
    def is_used(self) -> bool:
        return self.used_at is not None


class ItemImage(models.Model):
    """A picture an item's text shows (``<img src>`` points to its URL); kept per item, so
    every version of the item can show it."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="images", verbose_name=_("item"))
    file = models.FileField(_("file"), upload_to="diagnostics/images/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("item image")
        verbose_name_plural = _("item images")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
