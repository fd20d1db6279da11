"""The topic codifier (кодификатор элементов содержания, КЭС): a directory shared by
every organisation, in the public schema, next to subjects and academic years.

Everything that names a topic (diagnostic items, deficits, route tasks, tutorials,
case materials) points to a :class:`Topic` here, so that diagnostics, routes, the
bank and the district picture speak about the same topics.

A codifier is versioned by academic year: next year's codifier is a new
:class:`Codifier` with its own topics, so this year's results keep pointing to the
topics they were measured on.  :class:`TopicMapping` says which topic of a later
codifier continues a topic of an earlier one (a code that was renumbered, split or
merged), which keeps year-over-year comparisons possible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Exam(models.TextChoices):
    OGE = "oge", _("OGE")
    EGE = "ege", _("EGE")
    NONE = "none", _("No exam")


class CompetenceBlock(models.TextChoices):
    """The four blocks of a teacher's competence that the difficulties questionnaire asks about."""

    NORMATIVE = "normative", _("Regulatory and legal")
    SUBJECT = "subject", _("Subject knowledge")
    METHODICAL = "methodical", _("Teaching methods")
    PSYCHOLOGICAL = "psychological", _("Psychology and pedagogy")


class Codifier(models.Model):
    subject = models.ForeignKey(
        "tenants.Subject", on_delete=models.PROTECT, related_name="codifiers", verbose_name=_("subject")
    )
    exam = models.CharField(_("exam"), max_length=8, choices=Exam.choices, default=Exam.NONE)
    academic_year = models.ForeignKey(
        "tenants.AcademicYear",
        on_delete=models.PROTECT,
        related_name="codifiers",
        verbose_name=_("academic year"),
    )
    title = models.CharField(_("title"), max_length=300)
    source = models.CharField(_("source"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )

    class Meta:
        verbose_name = _("codifier")
        verbose_name_plural = _("codifiers")
        ordering = ["subject__name", "exam", "-academic_year__starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "exam", "academic_year"], name="one_codifier_per_subject_exam_year"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Topic(models.Model):
    """One element of content (элемент содержания) with its code as FIPI writes it ("1.2", "7.5")."""

    codifier = models.ForeignKey(
        Codifier, on_delete=models.CASCADE, related_name="topics", verbose_name=_("codifier")
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=500)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent topic"),
    )
    competence_block = models.CharField(
        _("competence block"),
        max_length=16,
        choices=CompetenceBlock.choices,
        default=CompetenceBlock.SUBJECT,
    )
    # The codifier's own order (1.1, 1.2, ..., 1.10), written on import.
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["codifier", "position"]
        constraints = [
            models.UniqueConstraint(fields=["codifier", "code"], name="topic_code_unique_in_codifier"),
            models.CheckConstraint(condition=~Q(code=""), name="topic_code_not_empty"),
        ]
        indexes = [models.Index(fields=["codifier", "position"], name="topic_codifier_position")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class TopicMapping(models.Model):
    """``old`` (an earlier codifier's topic) is continued by ``new`` (a later one's)."""

    old = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="mapped_to", verbose_name=_("earlier topic")
    )
    new = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="mapped_from", verbose_name=_("later topic")
    )

    class Meta:
        verbose_name = _("topic mapping")
        verbose_name_plural = _("topic mappings")
        constraints = [
            models.UniqueConstraint(fields=["old", "new"], name="topic_mapping_unique"),
            models.CheckConstraint(condition=~Q(old=models.F("new")), name="topic_mapping_not_to_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"


def code_sort_key(code: str) -> tuple[int | str, ...]:
    """ "1.10" after "1.9": compare the dotted parts as numbers where they are numbers."""
    return tuple(int(part) if part.isdigit() else part for part in code.split("."))
