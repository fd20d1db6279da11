"""Individual professional routes (ИОМ): a teacher's year of growth.

A :class:`Route` belongs to one teacher and one academic year, lives in the
organisation's schema (district routes in the centre's), and goes through the
lifecycle черновик → на согласовании → согласован тьютором → утверждён школой →
активен → завершён (reopened only by a methodologist, with a reason).  Every
step is a :class:`RouteTransition` row.  ``version`` grows with every save, so
two people editing at once get a conflict instead of a silent overwrite.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted to the tutor")
    AGREED = "agreed", _("agreed by the tutor")
    APPROVED = "approved", _("approved by the school")
    ACTIVE = "active", _("active")
    COMPLETED = "completed", _("completed")


class Form(models.TextChoices):
    CONSULTATION = "consultation", _("consultation")
    HELP_HOUR = "help_hour", _("Help Hour")
    TUTORIAL = "tutorial", _("tutorial")
    COURSE = "course", _("course (КПК)")
    INTERNSHIP = "internship", _("internship")
    SELF_STUDY = "self_study", _("self-study")
    MENTORING = "mentoring", _("mentoring")
    OPEN_LESSON = "open_lesson", _("open lesson")
    PUBLICATION = "publication", _("publication")
    CASE_MATERIAL = "case_material", _("case material to study")
    OTHER = "other", _("other")


class TargetKind(models.TextChoices):
    OFFERING = "offering", _("consultation offering")
    TUTORIAL = "tutorial", _("tutorial")
    MATERIAL = "material", _("case material")
    HELP_HOUR_SESSION = "help_hour_session", _("Help Hour session")


SECTIONS = ("interest", "question", "goal", "resources", "presentation", "reflection")


def section_label(name: str) -> str:
    """The verbose name of a stage section (a text field of :class:`Route`)."""
    return str(getattr(Route._meta.get_field(name), "verbose_name", name))


class Route(models.Model):
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The teacher's school (a public row: cross-schema link by id).
    school = models.ForeignKey("tenants.Organisation", on_delete=models.PROTECT, related_name="+")
    academic_year = models.ForeignKey(
        "tenants.AcademicYear", on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    subject = models.ForeignKey(
        "tenants.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    # The stages, as the teacher writes them with the tutor.
    interest = models.TextField(_("interest and self-analysis"), blank=True)
    question = models.TextField(_("professional question"), blank=True)
    goal = models.TextField(_("goal and tasks"), blank=True)
    resources = models.TextField(_("resource map"), blank=True)
    presentation = models.TextField(_("presentation"), blank=True)
    reflection = models.TextField(_("reflection and correction"), blank=True)
    campaign_id = models.PositiveIntegerField(null=True, blank=True)  # the diagnostics it was proposed from
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("professional route")
        verbose_name_plural = _("professional routes")
        ordering = ["-academic_year__starts_on", "teacher__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "academic_year"], name="route_one_per_teacher_year"),
        ]
        indexes = [models.Index(fields=["school", "status"]), models.Index(fields=["tutor", "status"])]

    def __str__(self) -> str:
        return f"{self.teacher} {self.academic_year}"


class PlanItem(models.Model):
    class ItemStatus(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    class Proposal(models.TextChoices):
        NONE = "", _("written by hand")
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted")
        DROPPED = "dropped", _("dropped")

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    topic = models.ForeignKey(
        "codifier.Topic", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deficit = models.CharField(_("deficit"), max_length=300, blank=True)
    task = models.TextField(_("task"))
    form = models.CharField(_("form"), max_length=16, choices=Form.choices, default=Form.SELF_STUDY)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    expected_result = models.TextField(_("expected result and reporting form"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PLANNED
    )
    target_kind = models.CharField(max_length=20, choices=TargetKind.choices, blank=True)
    target_id = models.PositiveIntegerField(null=True, blank=True)
    target_title = models.CharField(max_length=300, blank=True)
    proposal = models.CharField(max_length=10, choices=Proposal.choices, blank=True, default="")
    why = models.TextField(_("why"), blank=True)
    offers = models.JSONField(default=list, blank=True)  # ranked [{kind, id, title}]
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_kind="", target_id__isnull=True)
                | (~models.Q(target_kind="") & models.Q(target_id__isnull=False)),
                name="plan_item_target_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.task[:80]


class RouteTransition(models.Model):
    """The audit of the lifecycle: who moved the route from what to what, why and when."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Evidence(models.Model):
    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("consultation held")
        HELP_HOUR = "help_hour", _("Help Hour session")
        TUTORIAL = "tutorial", _("tutorial attendance")
        CERTIFICATE = "certificate", _("certificate")
        MATERIAL = "material", _("published case material")
        FILE = "file", _("file")
        LINK = "link", _("link")
        NOTE = "note", _("note")

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey(
        PlanItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("link"), blank=True, max_length=500)
    file = models.FileField(upload_to="routes/evidence/%Y/", blank=True, max_length=300)
    note = models.TextField(_("note"), blank=True)
    # For evidence the platform found itself: "booking:12", "attendance:3"... (idempotent collection).
    source_key = models.CharField(max_length=60, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    why = models.CharField(_("why"), max_length=300, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    tutor_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "source_key"], condition=~models.Q(source_key=""), name="evidence_found_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title


from .models_comments import ItemReminder, RouteComment  # noqa: E402, F401  (the discussion and reminders)
from .models_groups import GroupItem, GroupItemLink, GroupMember, GroupRoute, ItemCarry  # noqa: E402, F401
