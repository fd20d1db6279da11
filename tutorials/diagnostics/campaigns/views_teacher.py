"""The teacher's pages: my diagnostics, the test page (driven by the API from
``static/js/diagnostics_attempt.js``), and my result."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tutorials.diagnostics.scoring import correct_response as correct_answer
from tutornet.errors import TutornetError
from tutornet.pages import refused

from . import permissions, selectors, services
from .models import Attempt
from .presentation import present


def _district(request: HttpRequest) -> Any:
    return getattr(request, "district_membership", None)


@login_required
def my(request: HttpRequest) -> HttpResponse:
    """My diagnostics: open campaigns to start, those announced for later, attempts in
    progress, results."""
    now = timezone.now()
    rows = selectors.campaigns_for_teacher(_district(request), request.user)
    open_rows, upcoming, in_progress, done = [], [], [], []
    for campaign, attempt in rows:
        if attempt is None:
            if campaign.opens_at <= now < campaign.closes_at:
                open_rows.append(campaign)
            elif now < campaign.opens_at:
                upcoming.append(campaign)
        elif attempt.status == Attempt.Status.IN_PROGRESS and now < attempt.deadline:
            in_progress.append((campaign, attempt))
        else:
            done.append((campaign, attempt))
    return render(
        request,
        "diagnostics/campaigns/my.html",
        {
            "open_campaigns": open_rows,
            "upcoming": sorted(upcoming, key=lambda c: c.opens_at),
            "in_progress": in_progress,
            "done": done,
            "is_staff": permissions.can_manage(_district(request))
            or permissions.is_tutor(_district(request)),
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        attempt = services.attempt_start(campaign_id=campaign_id, membership=_district(request))
    except TutornetError as exc:
        return refused(request, exc, "campaigns:my")
    return redirect("campaigns:attempt", attempt_id=attempt.pk)


def _own(request: HttpRequest, attempt_id: int) -> Attempt:
    attempt = (
        Attempt.objects.select_related("campaign").filter(pk=attempt_id, teacher_id=request.user.pk).first()
    )
    if attempt is None:
        raise Http404
    return attempt


@login_required
def attempt_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The test: the page's script loads the attempt from the API, shows a countdown by the
    server's clock and saves every answer as it is given."""
    attempt = _own(request, attempt_id)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("campaigns:result", attempt_id=attempt.pk)
    return render(
        request, "diagnostics/campaigns/attempt.html", {"attempt": attempt, "campaign": attempt.campaign}
    )


@login_required
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """A teacher's result: the score, per topic, the questionnaire beside it, the deficits;
    the items with the right answers once the campaign has closed."""
    attempt = Attempt.objects.select_related("campaign", "teacher").filter(pk=attempt_id).first()
    if attempt is None or not permissions.can_see_attempt(_district(request), request.user, attempt):
        raise Http404
    final = attempt.status == Attempt.Status.FINAL
    lines, deficits = selectors.result_of(attempt) if final else ([], [])
    show_key = permissions.can_see_correct_answers(request.user, attempt)
    items = []
    if final:
        answers = selectors.answers_of(attempt)
        for item in selectors.attempt_items(attempt):
            items.append(
                {
                    "item": item,
                    "shown": present(item.version, seed=attempt.seed),
                    "answer": answers.get(item.version_id) or {},
                    "key": correct_answer(item.version) if show_key else None,
                }
            )
    return render(
        request,
        "diagnostics/campaigns/result.html",
        {
            "attempt": attempt,
            "campaign": attempt.campaign,
            "own": attempt.teacher_id == request.user.pk,
            "final": final,
            "topics": lines,
            "deficits": deficits,
            "questionnaire": selectors.questionnaire_of(attempt),
            "items": items,
            "show_key": show_key,
            "can_correct": permissions.can_manage(_district(request)),
        },
    )
