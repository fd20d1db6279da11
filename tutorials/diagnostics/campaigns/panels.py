"""The diagnostics' panel on the home page (``tutornet.panels``): a teacher's open
campaigns, a tutor's answers to grade, a methodologist's running campaigns."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tutornet import panels

from . import permissions, selectors
from .models import Attempt


def diagnostics_panel(request: HttpRequest) -> panels.Panel | None:
    membership = getattr(request, "district_membership", None)
    if membership is None:
        return None
    now = timezone.now()
    if permissions.can_manage(membership) or permissions.is_tutor(membership):
        to_grade = selectors.grading_queue(membership).count()
        running = []
        manage = permissions.can_manage(membership)
        if manage:
            running = list(
                selectors.open_campaigns(now).annotate(
                    started=Count("attempts", distinct=True),
                    submitted=Count(
                        "attempts", filter=~Q(attempts__status=Attempt.Status.IN_PROGRESS), distinct=True
                    ),
                )[:5]
            )
        if not to_grade and not manage:
            return None
        return panels.Panel(
            key="diagnostics",
            title=_("Diagnostics"),
            template="diagnostics/campaigns/_panel.html",
            context={"to_grade": to_grade, "running": running, "open": [], "manage": manage},
            order=30,
        )
    if membership.role != "teacher":
        return None
    open_for_me = [
        campaign
        for campaign, attempt in selectors.campaigns_for_teacher(membership, request.user)
        if campaign.opens_at <= now < campaign.closes_at
        and (attempt is None or attempt.status == Attempt.Status.IN_PROGRESS)
    ]
    if not open_for_me:
        return None
    return panels.Panel(
        key="diagnostics",
        title=_("My diagnostics"),
        template="diagnostics/campaigns/_panel.html",
        context={"open": open_for_me, "to_grade": 0, "running": [], "manage": False},
        order=20,
    )
