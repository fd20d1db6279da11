"""The discussion of a route and the record of deadline reminders (part of the routes app's models).

* :class:`RouteComment`: the thread of the stage "implementation and discussion" between the
  teacher, their tutor, and the school's administrator or a methodologist who may see the route.
* :class:`ItemReminder`: one row per plan item and reminder kind ("due soon", "overdue"); its
  unique constraint is what makes a reminder go out at most once, whatever the workers do.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RouteComment(models.Model):
    route = models.ForeignKey("routes.Route", on_delete=models.CASCADE, related_name="comments")
    item = models.ForeignKey(
        "routes.PlanItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["route", "created_at"])]

    def __str__(self) -> str:
        return self.text[:80]


class ItemReminder(models.Model):
    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("the deadline is near")
        OVERDUE = "overdue", _("the deadline has passed")

    item = models.ForeignKey("routes.PlanItem", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    deadline = models.DateField()  # the deadline reminded of: a moved deadline is reminded again
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "kind", "deadline"], name="item_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind} {self.deadline}"
