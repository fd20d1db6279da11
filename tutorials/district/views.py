"""The district picture's pages, under /district/ on the centre's portal.

Thin: each view asks ``permissions``, reads a snapshot through ``services`` and
shapes it with ``picture``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tutorials.diagnostics.campaigns.models import Campaign
from tutornet.errors import TutornetError
from tutornet.pages import forbidden, refused

from . import charts, exports, permissions, picture, selectors, services


def _membership(request: HttpRequest) -> Any:
    return getattr(request, "district_membership", None)


def methodologists_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.can_see_district(_membership(request)):
            return forbidden(request, _("The district picture is for the centre's methodologists."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _campaigns() -> list[Campaign]:
    return list(
        Campaign.objects.filter(published_at__isnull=False)
        .select_related("subject", "academic_year")
        .order_by("subject__name", "-academic_year__starts_on", "-opens_at")
    )


def _campaign(campaign_id: int) -> Campaign:
    try:
        return services.campaign_of(campaign_id)
    except TutornetError as exc:
        raise Http404(exc.message) from exc


def _context(campaign: Campaign, tab: str, *, light: bool = False) -> dict[str, Any]:
    """``light``: the page's tables are fragment-cached, so the figures are read only when
    the cache misses (``services.Figures``)."""
    fresh = services.snapshot_for(campaign, light=light)
    data = fresh.figures if light else fresh.snapshot.data
    return {"campaign": campaign, "fresh": fresh, "data": data, "tab": tab}


@methodologists_only
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "district/index.html", {"campaigns": _campaigns()})


@methodologists_only
def heatmap(request: HttpRequest, campaign_id: int) -> HttpResponse:
    context = _context(_campaign(campaign_id), "heatmap", light=True)
    sort = request.GET.get("sort", "name")
    sort = sort if sort in picture.SORTS else "name"
    snapshot = context["fresh"].snapshot
    # Lazy: built (and the deferred figures read) only when the table is not in the fragment
    # cache (the same for everyone until the snapshot is recomputed).
    context["heatmap"] = SimpleLazyObject(lambda: picture.heatmap(snapshot.data, sort=sort))
    context["sort"] = sort
    return render(request, "district/heatmap.html", context)


@methodologists_only
def cell(request: HttpRequest, campaign_id: int, school_id: int, topic_id: int) -> HttpResponse:
    if not permissions.can_see_teachers(_membership(request)):  # the same today; kept apart on purpose
        return forbidden(request, _("The teachers behind a cell are for the centre's methodologists."))
    context = _context(_campaign(campaign_id), "heatmap")
    data = context["data"]
    topic = next((t for t in data["topics"] if t[0] == topic_id), None)
    school = data["schools"].get(str(school_id))
    if topic is None or school is None:
        raise Http404
    context.update(
        {
            "topic": topic,
            "school": school,
            "teachers": selectors.teachers_behind(campaign_id, school_id, topic_id),
            "threshold": data["campaign"]["threshold"],
        }
    )
    return render(request, "district/cell.html", context)


@methodologists_only
def yoy(request: HttpRequest, campaign_id: int) -> HttpResponse:
    context = _context(_campaign(campaign_id), "yoy", light=True)
    snapshot = context["fresh"].snapshot

    def parts() -> dict[str, Any]:
        yoy = picture.year_over_year(snapshot.data)  # the deferred figures, read now
        return {"yoy": yoy, **charts.change_figure(yoy)}

    # Lazy, as the heatmap: built only when the page's fragment is not cached.
    context["parts"] = SimpleLazyObject(parts)
    return render(request, "district/yoy.html", context)


@methodologists_only
def support(request: HttpRequest, campaign_id: int) -> HttpResponse:
    context = _context(_campaign(campaign_id), "support")
    context["rows"], context["average"] = picture.support(context["data"])
    context["labels"] = exports.support_labels()
    context["support_chart"] = charts.support_chart(
        context["rows"], context["average"], title=_("Share of the planned route items done")
    )
    return render(request, "district/support.html", context)


@require_POST
@methodologists_only
def refresh(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        services.refresh_request(membership=_membership(request), campaign_id=campaign_id)
    except TutornetError as exc:
        return refused(request, exc, "district:index")
    messages.success(request, _("The figures are being recomputed; reload the page in a minute."))
    return redirect("district:heatmap", campaign_id=campaign_id)


@methodologists_only
def export_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    body = exports.workbook(services.snapshot_for(campaign).snapshot)
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="district-picture-{campaign.pk}.xlsx"'
    return response


def _pdf(campaign: Campaign, school_id: int) -> HttpResponse:
    snapshot = services.snapshot_for(campaign).snapshot
    if str(school_id) not in snapshot.data["schools"]:
        raise Http404
    response = HttpResponse(exports.school_pdf(snapshot, school_id), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="school-{school_id}-{campaign.pk}.pdf"'
    return response


@methodologists_only
def school_pdf(request: HttpRequest, campaign_id: int, school_id: int) -> HttpResponse:
    return _pdf(_campaign(campaign_id), school_id)


@login_required
def my_school(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    """A school administrator's "Моя школа": their row next to the district's, nothing else."""
    school_id = permissions.own_school(_membership(request))
    if school_id is None:
        return forbidden(request, _("This page is for a school's administrator."))
    campaigns = _campaigns()
    if campaign_id is None:
        if not campaigns:
            return render(request, "district/my_school.html", {"campaigns": []})
        campaign_id = campaigns[0].pk
    campaign = _campaign(campaign_id)
    context = _context(campaign, "my")
    data = context["data"]
    context.update(
        {
            "campaigns": campaigns,
            "heatmap": picture.heatmap(data, only_school=school_id),
            "yoy": picture.year_over_year(data, only_school=school_id),
            "school_id": school_id,
        }
    )
    context["rows"], context["average"] = picture.support(data, only_school=school_id)
    context["labels"] = exports.support_labels()
    context["support_chart"] = charts.support_chart(
        context["rows"], context["average"], title=_("Share of the planned route items done")
    )
    context.update(charts.change_figure(context["yoy"], (school_id, data["schools"][str(school_id)])))
    return render(request, "district/my_school.html", context)


@login_required
def my_school_pdf(request: HttpRequest, campaign_id: int) -> HttpResponse:
    school_id = permissions.own_school(_membership(request))
    if school_id is None:
        return forbidden(request, _("This page is for a school's administrator."))
    return _pdf(_campaign(campaign_id), school_id)
