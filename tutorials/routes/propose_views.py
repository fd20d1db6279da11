"""The methodologist's page that proposes routes from a campaign's final results:
the campaigns whose results are final, then a campaign's teachers with deficits, each
with a button, and a button for all those selected (``proposing.propose_for``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.models import Organisation
from tutornet.errors import TutornetError
from tutornet.pages import allowed, refused

from . import group_builder, permissions, proposing


def _methodologist(request: HttpRequest) -> bool:
    return permissions.is_methodologist(request.user)


def _message() -> str:
    return _("Routes are proposed by the centre's methodologists.")


@allowed(_methodologist, _message)
def campaigns(request: HttpRequest) -> HttpResponse:
    return render(request, "routes/propose.html", {"campaigns": group_builder.final_campaigns()})


@allowed(_methodologist, _message)
def campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    found, final, lines = proposing.rows(actor=request.user, campaign_id=campaign_id)
    schools = dict(
        Organisation.objects.filter(pk__in={r.school_id for r in lines if r.school_id}).values_list(
            "pk", "short_name"
        )
    )
    return render(
        request,
        "routes/propose_campaign.html",
        {"campaign": found, "final": final, "rows": [(r, schools.get(r.school_id or 0)) for r in lines]},
    )


@allowed(_methodologist, _message)
@require_POST
def propose(request: HttpRequest, campaign_id: int) -> HttpResponse:
    back = reverse("routes:propose-campaign", args=[campaign_id])
    ids = [int(v) for v in request.POST.getlist("teacher") if v.isdigit()]
    if not ids:
        messages.error(request, _("Choose at least one teacher."))
        return redirect(back)
    try:
        outcomes = proposing.propose_for(actor=request.user, campaign_id=campaign_id, teacher_ids=ids)  # type: ignore[arg-type]
    except TutornetError as exc:
        return refused(request, exc, back)
    done = [o for o in outcomes if not o.refused]
    added = sum(o.added for o in done)
    messages.success(
        request,
        _("Routes proposed: %(routes)s; new tasks: %(tasks)s.") % {"routes": len(done), "tasks": added},
    )
    for o in outcomes:
        if o.refused:
            messages.warning(request, o.refused)
    return redirect(back)
