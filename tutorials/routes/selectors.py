"""Reads of professional routes (the caller has checked who may see them, or asks here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User

from . import permissions
from .models import Evidence, PlanItem, Route, RouteComment, RouteTransition, Status


def visible_routes(user: Any) -> QuerySet[Route]:
    """The routes this person may see (2 queries with the membership lookup)."""
    routes = Route.objects.select_related("teacher", "tutor", "school", "academic_year", "subject").annotate(
        item_count=Count("items", distinct=True)
    )
    where = permissions.visible_filter(user)
    if where is None:
        return routes
    return routes.filter(
        Q(teacher_id=where["teacher_id"])
        | Q(tutor_id=where["tutor_id"])
        | Q(school_id__in=where["school_id__in"])
    )


def waiting_for(user: Any) -> QuerySet[Route]:
    """What needs this person now: tutorants' routes sent for agreement, their school's
    routes agreed and waiting for approval."""
    return visible_routes(user).filter(
        Q(tutor_id=user.pk, status=Status.SUBMITTED)
        | Q(school_id__in=permissions.admin_school_ids(user), status=Status.AGREED)
    )


@dataclass
class RoutePage:
    route: Route
    items: list[PlanItem]
    transitions: list[RouteTransition]
    evidence: list[Evidence]
    overdue_ids: set[int]


def route_page(route_id: int, *, lean: bool = False) -> Route | None:
    """The route with its items, transitions and evidence.  ``lean``: what the route page
    shows and no more (no codifier topic per item, no plan item or tutor per piece of evidence,
    whose rows and JSON the page never reads); the documents and the portfolio load it whole."""
    items = PlanItem.objects.all() if lean else PlanItem.objects.select_related("topic")
    evidence = Evidence.objects.all() if lean else Evidence.objects.select_related("item", "confirmed_by")
    return (
        Route.objects.select_related("teacher", "tutor", "school", "academic_year", "subject")
        .prefetch_related(
            Prefetch("items", queryset=items),
            Prefetch("transitions", queryset=RouteTransition.objects.select_related("actor")),
            Prefetch("evidence", queryset=evidence),
        )
        .filter(pk=route_id)
        .first()
    )


def thread_for_page(route: Route) -> list[RouteComment]:
    """The route's comments, oldest first, with the author and the task each is about (not the
    task's offers and why, which the thread does not show), in one query."""
    return list(
        RouteComment.objects.filter(route=route)
        .select_related("author", "item")
        .defer("item__offers", "item__why", "item__expected_result")
    )


def page_of(route: Route) -> RoutePage:
    today = timezone.localdate()
    items = list(route.items.all())
    overdue = {
        i.pk
        for i in items
        if i.deadline
        and i.deadline < today
        and i.status in (PlanItem.ItemStatus.PLANNED, PlanItem.ItemStatus.IN_PROGRESS)
    }
    return RoutePage(
        route=route,
        items=items,
        transitions=list(route.transitions.all()),
        evidence=list(route.evidence.all()),
        overdue_ids=overdue,
    )


def route_topic_ids_for(user_id: int) -> list[int]:
    """The codifier topics of the teacher's open routes for the current academic year: the
    topics of plan items still to do (not done, not dropped, not a dropped proposal), for the
    "по вашему маршруту" flag of the tutorials list.  One query; [] for anyone without one."""
    return list(
        PlanItem.objects.filter(
            route__teacher_id=user_id,
            route__academic_year__is_current=True,
            topic__isnull=False,
        )
        .exclude(route__status=Status.COMPLETED)
        .exclude(status__in=[PlanItem.ItemStatus.DONE, PlanItem.ItemStatus.DROPPED])
        .exclude(proposal=PlanItem.Proposal.DROPPED)
        .values_list("topic_id", flat=True)
        .distinct()
    )


def tutor_choices() -> QuerySet[User]:
    """Whom a route's tutor is chosen from: the active tutors of the organisation whose site it
    is (the centre's municipal tutors for the district's routes; a school's own for its routes)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation__schema_name=connection.schema_name,  # type: ignore[attr-defined]
            memberships__role=Role.TUTOR,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
