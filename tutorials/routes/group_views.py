"""The pages of group routes (the methodologist's builder) and the route page's own
actions of this part: detach an item, unlink a route, book from an item, carry over to
next year.  Thin: the services decide; a refusal is a message, a 404 or a 403, never a 500."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tutornet.errors import NotFoundError, TutornetError
from tutornet.pages import forbidden, refused, signed_in

from . import booking, carry_over, group_builder, groups
from .models import Form


def _int(value: Any) -> int:
    try:
        return int(value or "")
    except (TypeError, ValueError):
        return -1


def _ints(values: list[str]) -> list[int]:
    return [n for n in (_int(v) for v in values) if n > 0]


def _group_url(group_id: int) -> str:
    return reverse("routes:group", args=[group_id])


def _route_url(route_id: int) -> str:
    return reverse("routes:route", args=[route_id])


@signed_in
def group_list(request: HttpRequest) -> HttpResponse:
    """The groups, and (for a methodologist) the candidates of a campaign with final results."""
    manager = groups.can_manage(request.user)
    listed = list(group_builder.visible_groups(request.user).order_by("-pk")[:200])
    if not manager and not listed:
        return forbidden(request, _("Group routes are built by the centre's methodologists."))
    campaigns = group_builder.final_campaigns() if manager else []
    chosen = next((c for c in campaigns if c.pk == _int(request.GET.get("campaign"))), None)
    k = max(1, min(_int(request.GET.get("k")) if request.GET.get("k") else 1, group_builder.MAX_K))
    size = _int(request.GET.get("size")) if request.GET.get("size") else group_builder.MIN_GROUP_SIZE
    found = group_builder.candidates(chosen, k=k, min_size=size) if chosen else []
    return render(
        request,
        "routes/groups.html",
        {
            "groups": listed,
            "manager": manager,
            "campaigns": campaigns,
            "chosen": chosen,
            "candidates": found[:100],
            "k": k,
            "size": max(2, size),
        },
    )


@signed_in
@require_POST
def group_create(request: HttpRequest) -> HttpResponse:
    from tutorials.diagnostics.campaigns.models import Campaign

    campaign = Campaign.objects.filter(pk=_int(request.POST.get("campaign"))).first()
    back = reverse("routes:groups")
    if campaign is None:
        return refused(request, NotFoundError(_("There is no such campaign.")), back)
    try:
        group = groups.group_create(
            actor=request.user,  # type: ignore[arg-type]
            title=request.POST.get("title", ""),
            academic_year_id=campaign.academic_year_id,
            subject_id=campaign.subject_id,
            topic_ids=_ints(request.POST.getlist("topic")),
            teacher_ids=_ints(request.POST.getlist("teacher")),
            campaign_id=campaign.pk,
        )
    except TutornetError as exc:
        return refused(request, exc, back)
    return redirect(_group_url(group.pk))


@signed_in
def group_page(request: HttpRequest, group_id: int) -> HttpResponse:
    from accounts.models import Membership, Role, User

    from .services import _organisation

    try:
        group = group_builder.group_page(group_id, request.user)
    except NotFoundError as exc:
        return refused(request, exc, "")
    members = group_builder.members_of(group)
    manager = groups.can_manage(request.user)
    addable: list[Any] = []
    tutors: list[Any] = []
    if manager:
        inside = {m.teacher_id for m in members if m.status == m.MemberStatus.ACTIVE}
        if group.campaign_id:
            from tutorials.diagnostics.campaigns.models import Campaign
            from tutorials.diagnostics.campaigns.selectors import deficits_in_campaign

            campaign = Campaign.objects.get(pk=group.campaign_id)
            wanted = {t.pk for t in group.topics.all()}
            ids = [
                t
                for t, found in deficits_in_campaign(campaign).items()
                if t not in inside and wanted & {d.topic_id for d in found}
            ]
            addable = list(User.objects.filter(pk__in=ids).order_by("last_name", "first_name")[:300])
        tutors = [
            m.user
            for m in Membership.objects.filter(
                organisation=_organisation(), role=Role.TUTOR, is_active=True
            ).select_related("user")
        ]
    return render(
        request,
        "routes/group.html",
        {
            "group": group,
            "items": group_builder.items_of(group),
            "members": members,
            "manager": manager,
            "addable": addable,
            "tutors": tutors,
            "tutor_ids": {t.pk for t in group.tutors.all()},
            "forms": Form.choices,
        },
    )


def _deadline(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TutornetError(_("Enter a valid date."), field="deadline") from None


def _item_fields(post: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "task": post.get("task", ""),
        "deadline": _deadline(post.get("deadline")),
        "expected_result": post.get("expected_result", ""),
    }
    if post.get("form"):
        fields["form"] = post["form"]
    return fields


@signed_in
@require_POST
def group_action(request: HttpRequest, group_id: int) -> HttpResponse:
    """One form per action on the group page (``action``: confirm, item-add, item-update,
    item-remove, member-add, member-remove, tutors)."""
    user: Any = request.user
    post = request.POST
    action = post.get("action", "")
    version = _int(post.get("version"))
    try:
        if action == "confirm":
            groups.group_confirm(actor=user, group_id=group_id, version=version)
        elif action == "item-add":
            groups.group_item_add(actor=user, group_id=group_id, version=version, **_item_fields(post))
        elif action == "item-update":
            groups.group_item_update(
                actor=user, item_id=_int(post.get("item")), version=version, **_item_fields(post)
            )
        elif action == "item-remove":
            groups.group_item_remove(actor=user, item_id=_int(post.get("item")), version=version)
        elif action == "member-add":
            groups.group_member_add(
                actor=user, group_id=group_id, version=version, teacher_id=_int(post.get("teacher"))
            )
        elif action == "member-remove":
            groups.group_member_remove(actor=user, member_id=_int(post.get("member")))
        elif action == "tutors":
            groups.group_set_tutors(
                actor=user, group_id=group_id, version=version, tutor_ids=_ints(post.getlist("tutor"))
            )
        else:
            raise TutornetError(_("Unknown action."))
    except TutornetError as exc:
        return refused(request, exc, _group_url(group_id))
    messages.success(request, _("Saved."))
    return redirect(_group_url(group_id))


# --- the route page's actions of this part --------------------------------------------


@signed_in
@require_POST
def item_detach(request: HttpRequest, route_id: int, item_id: int) -> HttpResponse:
    try:
        groups.item_detach(actor=request.user, item_id=item_id)  # type: ignore[arg-type]
    except TutornetError as exc:
        return refused(request, exc, _route_url(route_id))
    messages.success(request, _("The task is yours now: changes of the group route no longer reach it."))
    return redirect(_route_url(route_id))


@signed_in
@require_POST
def route_unlink(request: HttpRequest, route_id: int) -> HttpResponse:
    try:
        groups.route_unlink(
            actor=request.user,  # type: ignore[arg-type]
            route_id=route_id,
            group_id=_int(request.POST.get("group")),
        )
    except TutornetError as exc:
        return refused(request, exc, _route_url(route_id))
    messages.success(request, _("The route is unlinked from the group route; it keeps its tasks."))
    return redirect(_route_url(route_id))


@signed_in
@require_POST
def item_book(request: HttpRequest, route_id: int, item_id: int) -> HttpResponse:
    slot = request.POST.get("slot")
    try:
        booking.item_book(
            actor=request.user,  # type: ignore[arg-type]
            item_id=item_id,
            slot_id=_int(slot) if slot else None,
        )
    except TutornetError as exc:
        return refused(request, exc, _route_url(route_id))
    messages.success(request, _("Booked. The booking is in the route's portfolio."))
    return redirect(_route_url(route_id))


@signed_in
@require_POST
def carry(request: HttpRequest, route_id: int) -> HttpResponse:
    try:
        result = carry_over.route_carry_over(actor=request.user, route_id=route_id)  # type: ignore[arg-type]
    except TutornetError as exc:
        return refused(request, exc, _route_url(route_id))
    messages.success(
        request,
        _("Next year's draft: %(count)s unfinished tasks carried over.") % {"count": result.carried},
    )
    return redirect(_route_url(result.route.pk))
