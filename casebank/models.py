"""The case-material bank: materials, their versions and attachments, moderation, engagement.

A tenant app (ARCHITECTURE 1, 2).  The same tables serve two levels:

* a school's own bank, in the school's schema, read by that school's staff;
* the district bank, in the centre's schema, read by every school of the district.

Sharing a school material with the district makes a copy in the centre's schema
(``origin_organisation`` + ``origin_material_id`` point back to the school's
material; the school's material keeps ``district_copy_id``): cross-schema links
are (organisation id, object id) pairs resolved by ``casebank.services``.

Every change of content is a ``MaterialVersion``: title, abstract, body,
metadata and attachments per version number.  ``Material`` mirrors the version
readers see (``current_version``, the last published one) so that search,
filters and sorting read one row; a version still waiting for moderation does
not change what readers see.

Invariants held by PostgreSQL:
* grades are 1..11, ratings 1..5, counters never negative;
* one version number per material, at most one version awaiting moderation;
* one rating and one favourite per person and material;
* one district copy per school material.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.lookups import TrigramSimilar, TrigramWordSimilar
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CASE = "case", _("Case")
    TUTORIAL_PROGRAM = "tutorial_program", _("Modular tutorial program")
    LESSON_PLAN = "lesson_plan", _("Lesson plan")
    TECHNOLOGICAL_MAP = "technological_map", _("Lesson technological map")
    WORK_PROGRAM = "work_program", _("Work program")
    MASTER_CLASS = "master_class", _("Master-class scenario")
    RECOMMENDATION = "recommendation", _("Methodological recommendation")
    OTHER = "other", _("Other")


class Licence(models.TextChoices):
    CC_BY = "cc-by", "CC BY 4.0"
    CC_BY_SA = "cc-by-sa", "CC BY-SA 4.0"
    CC_BY_NC = "cc-by-nc", "CC BY-NC 4.0"
    CC_BY_NC_SA = "cc-by-nc-sa", "CC BY-NC-SA 4.0"
    CC_BY_ND = "cc-by-nd", "CC BY-ND 4.0"
    CC_BY_NC_ND = "cc-by-nc-nd", "CC BY-NC-ND 4.0"
    CC0 = "cc0", "CC0 1.0"
    ALL_RIGHTS_RESERVED = "all-rights-reserved", _("All rights reserved")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")


GRADES = range(1, 12)


class TermField(models.CharField):
    """A word of the search vocabulary, with the pg_trgm similarity lookups
    (``django.contrib.postgres`` is not an installed app, so they are registered here)."""


TermField.register_lookup(TrigramSimilar)
TermField.register_lookup(TrigramWordSimilar)


class TitleField(models.CharField):
    """A title that can be compared by trigram word similarity (typo-tolerant fallback)."""


TitleField.register_lookup(TrigramWordSimilar)


class Material(models.Model):
    """A case material in this organisation's bank, as its readers see it."""

    title = TitleField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.CASE)
    subjects = models.ManyToManyField(
        "tenants.Subject", blank=True, related_name="+", verbose_name=_("subjects")
    )
    grades = ArrayField(
        models.PositiveSmallIntegerField(), blank=True, default=list, verbose_name=_("grades")
    )
    topics = ArrayField(models.CharField(max_length=100), blank=True, default=list, verbose_name=_("topics"))
    # The codifier topics (КЭС) that the free-text topics name, linked by the services
    # (``common.version_apply``); the free text stays as it was written.
    codifier_topics = models.ManyToManyField(
        "codifier.Topic", blank=True, related_name="+", verbose_name=_("codifier topics")
    )
    abstract = models.TextField(_("abstract"), blank=True)
    # Sanitised HTML (casebank.services.sanitise_html); body_text is its plain text, for search.
    body = models.TextField(_("text"), blank=True)
    body_text = models.TextField(blank=True, editable=False)
    licence = models.CharField(_("licence"), max_length=24, choices=Licence.choices, default=Licence.CC_BY)
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("authors"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    current_version = models.OneToOneField(
        "MaterialVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A district copy: the school it came from and the id of the material in that school's schema.
    origin_organisation = models.ForeignKey(
        "tenants.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school of origin"),
    )
    origin_material_id = models.PositiveBigIntegerField(null=True, blank=True)
    # A school material shared with the district: the id of its copy in the centre's schema.
    district_copy_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    download_count = models.PositiveIntegerField(_("downloads"), default=0)
    # Weighted russian tsvector (title A, topics and abstract B, text C), kept by the services.
    # It decides WHETHER a material matches (GIN index); it holds the whole text, so it is
    # large and stored out of line (TOAST).
    search_vector = SearchVectorField(null=True, editable=False)
    # The compact vector that ORDERS the matches by relevance: title A, topics and abstract B.
    # Stored inline (storage MAIN, migration 0002), so ranking thousands of matches reads no
    # TOAST (bench/casebank_search.py).
    rank_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grades__contained_by=list(GRADES)), name="material_grades_1_to_11"
            ),
            models.CheckConstraint(
                condition=Q(rating_sum__gte=models.F("rating_count"))
                & Q(rating_sum__lte=models.F("rating_count") * 5),
                name="material_rating_sum_in_range",
            ),
            models.CheckConstraint(
                condition=Q(origin_organisation__isnull=True, origin_material_id__isnull=True)
                | Q(origin_organisation__isnull=False, origin_material_id__isnull=False),
                name="material_origin_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(current_version__isnull=False, published_at__isnull=False),
                name="material_published_has_version",
            ),
            models.UniqueConstraint(
                fields=["origin_organisation", "origin_material_id"],
                condition=Q(origin_organisation__isnull=False),
                name="one_district_copy_per_school_material",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="material_search_vector"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="material_title_trgm"),
            GinIndex(fields=["topics"], name="material_topics"),
            GinIndex(fields=["grades"], name="material_grades"),
            models.Index(fields=["status", "-published_at"], name="material_status_published"),
            models.Index(fields=["status", "-rating_average"], name="material_status_rating"),
        ]

    def __str__(self) -> str:
        return self.title


class MaterialVersion(models.Model):
    """One numbered state of a material's content; older versions stay readable."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=300)
    abstract = models.TextField(_("abstract"), blank=True)
    body = models.TextField(_("text"), blank=True)
    body_text = models.TextField(blank=True, editable=False)
    # The metadata this version brings with it, applied to the material when it is published.
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.CASE)
    licence = models.CharField(_("licence"), max_length=24, choices=Licence.choices, default=Licence.CC_BY)
    grades = ArrayField(models.PositiveSmallIntegerField(), blank=True, default=list)
    topics = ArrayField(models.CharField(max_length=100), blank=True, default=list)
    subject_ids = ArrayField(models.BigIntegerField(), blank=True, default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The methodologist's comments (returned) or reason (rejected).
    moderator_comment = models.TextField(_("moderator's comment"), blank=True)

    class Meta:
        verbose_name = _("material version")
        verbose_name_plural = _("material versions")
        ordering = ["material", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["material", "number"], name="one_version_number_per_material"),
            models.UniqueConstraint(
                fields=["material"], condition=Q(status="submitted"), name="one_pending_version_per_material"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_from_1"),
            models.CheckConstraint(
                condition=~Q(status__in=["returned", "rejected"]) | ~Q(moderator_comment=""),
                name="version_decision_has_comment",
            ),
            models.CheckConstraint(
                condition=Q(grades__contained_by=list(GRADES)), name="version_grades_1_to_11"
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="version_moderation_queue")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The tenant storage prefixes the schema; the name is generated, never the uploader's.
    return f"casebank/{instance.version.material_id}/{instance.version.number}/{filename}"


class Attachment(models.Model):
    """A file of one version.  Its type was checked by content (casebank.files)."""

    version = models.ForeignKey(MaterialVersion, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class Rating(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("rating"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["material", "user"], name="one_rating_per_person"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="material_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5"


class Comment(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="comment_not_empty")]

    def __str__(self) -> str:
        return self.text[:50]


class Favourite(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="favourites")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["material", "user"], name="one_favourite_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.material_id}"


class SearchTerm(models.Model):
    """The words of published titles, topics and abstracts in this bank.

    The typo-tolerant search corrects a query word to the most similar known
    word (pg_trgm, GIN trigram index), the way PostgreSQL's documentation
    suggests for spelling correction: comparing against a vocabulary is much
    cheaper than comparing against every material.
    """

    word = TermField(max_length=60, unique=True)

    class Meta:
        indexes = [GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="search_term_trgm")]

    def __str__(self) -> str:
        return self.word
