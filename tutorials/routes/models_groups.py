"""Group routes across the district, and what links a route to another one.

A :class:`GroupRoute` is a template the centre's methodologists build for teachers
of several schools who share deficits: shared plan items (:class:`GroupItem`), its
tutors and its members (:class:`GroupMember`).  Confirming it copies its items into
each member's individual route; each copy is tied to its template item by a
:class:`GroupItemLink` until it is detached (the sync rules are in ``groups.py``).

:class:`ItemCarry` ties a plan item of next year's draft to the unfinished item of
the completed route it was carried over from (``carry_over.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Form, PlanItem, Route, TargetKind


class GroupRoute(models.Model):
    class GroupStatus(models.TextChoices):
        DRAFT = "draft", _("being built")
        CONFIRMED = "confirmed", _("confirmed")

    title = models.CharField(_("title"), max_length=300)
    academic_year = models.ForeignKey(
        "tenants.AcademicYear", on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    subject = models.ForeignKey("tenants.Subject", on_delete=models.PROTECT, related_name="+")
    campaign_id = models.PositiveIntegerField(null=True, blank=True)  # the diagnostics it was built from
    topics = models.ManyToManyField("codifier.Topic", blank=True, related_name="+")
    tutors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=GroupStatus.choices, default=GroupStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("group route")
        verbose_name_plural = _("group routes")
        ordering = ["-academic_year__starts_on", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class GroupItem(models.Model):
    """A plan item of the template; ``removed_at`` keeps the row for the links' history."""

    group = models.ForeignKey(GroupRoute, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    topic = models.ForeignKey(
        "codifier.Topic", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    task = models.TextField(_("task"))
    form = models.CharField(_("form"), max_length=16, choices=Form.choices, default=Form.CONSULTATION)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    expected_result = models.TextField(_("expected result and reporting form"), blank=True)
    target_kind = models.CharField(max_length=20, choices=TargetKind.choices, blank=True)
    target_id = models.PositiveIntegerField(null=True, blank=True)
    target_title = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_kind="", target_id__isnull=True)
                | (~models.Q(target_kind="") & models.Q(target_id__isnull=False)),
                name="group_item_target_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.task[:80]


class GroupMember(models.Model):
    class MemberStatus(models.TextChoices):
        ACTIVE = "active", _("member")
        LEFT = "left", _("left the group")

    group = models.ForeignKey(GroupRoute, on_delete=models.CASCADE, related_name="members")
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("tenants.Organisation", on_delete=models.PROTECT, related_name="+")
    route = models.ForeignKey(Route, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=8, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    added_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["teacher__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "teacher"], name="group_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.group}"


class GroupItemLink(models.Model):
    """A member's plan item copied from a template item.  ``synced`` holds the template's
    values as last copied, so that a field the member changed since is told apart from one
    the template changed (three-way: the member's edit wins, field by field)."""

    group_item = models.ForeignKey(GroupItem, on_delete=models.PROTECT, related_name="links")
    member = models.ForeignKey(GroupMember, on_delete=models.CASCADE, related_name="links")
    item = models.OneToOneField(PlanItem, on_delete=models.CASCADE, related_name="group_link")
    synced = models.JSONField(default=dict)
    detached_at = models.DateTimeField(null=True, blank=True)
    detached_why = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group_item", "member"], name="group_item_linked_once"),
        ]

    def __str__(self) -> str:
        return f"{self.group_item_id} → {self.item_id}"


class ItemCarry(models.Model):
    """Next year's plan item carried over from an unfinished one of a completed route."""

    item = models.OneToOneField(PlanItem, on_delete=models.CASCADE, related_name="carried_from")
    source = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="carried_to")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "item"], name="item_carried_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.item_id}"
