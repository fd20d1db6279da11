"""The dashboard panel of tutorials: places offered to me, my next tutorials, feedback to leave."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tutornet import panels

from . import permissions
from .models import Feedback, Registration, Tutorial


def tutorials_panel(request: HttpRequest) -> panels.Panel | None:
    if not request.user.is_authenticated:
        return None
    user: int = request.user.pk
    if not permissions.can_take_part(getattr(request, "district_membership", None)):
        return None
    now = timezone.now()
    active = list(
        Registration.objects.filter(
            user_id=user,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.OFFERED],
            tutorial__status=Tutorial.Status.PUBLISHED,
            tutorial__ends_at__gte=now,
        )
        .select_related("tutorial")
        .order_by("tutorial__starts_at")[:10]
    )
    feedback_due = list(
        Tutorial.objects.filter(
            sessions__attendances__user_id=user, ends_at__lt=now, ends_at__gte=now - timedelta(days=30)
        )
        .exclude(pk__in=Feedback.objects.filter(user_id=user).values("tutorial_id"))
        .distinct()[:3]
    )
    offers = [r for r in active if r.status == Registration.Status.OFFERED]
    upcoming = [r for r in active if r.status == Registration.Status.CONFIRMED][:3]
    if not (offers or upcoming or feedback_due):
        return None
    return panels.Panel(
        key="tutorials",
        title=_("My tutorials"),
        template="tutorials/_panel.html",
        context={
            "offers": offers,
            "upcoming": upcoming,
            "feedback_due": feedback_due,
            "zone": request.tenant.zone,  # type: ignore[attr-defined]
        },
        order=30,
    )
