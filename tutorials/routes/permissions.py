"""Who sees and does what with professional routes.  Views, the API and the services ask here.

* the teacher sees and edits their own route;
* the assigned tutor (``Route.tutor``) sees and edits their tutorants' routes and agrees them;
* a school's administrator sees and approves the routes of that school's teachers, nobody else's;
* the centre's methodologists (of the centre whose site it is) see every route of the
  district, and alone may reopen a completed one.

Roles come from the person's active memberships (one query per person, cached on the user).
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from accounts.models import Membership, Role
from tenants.models import Organisation

from .models import Route, Status


def memberships(user: Any) -> list[Membership]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_route_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user_id=user.pk, is_active=True).select_related("organisation")
        )
        user._route_memberships = cached
    return cached


def is_methodologist(user: Any) -> bool:
    """A methodologist of this centre (the schema the request is in), not of another one."""
    here = connection.schema_name  # type: ignore[attr-defined]
    return any(
        m.role == Role.METHODOLOGIST
        and m.organisation.kind == Organisation.Kind.CENTRE
        and m.organisation.schema_name == here
        for m in memberships(user)
    )


def admin_school_ids(user: Any) -> set[int]:
    return {
        m.organisation_id
        for m in memberships(user)
        if m.role == Role.SCHOOL_ADMIN and m.organisation.kind == Organisation.Kind.SCHOOL
    }


def teacher_school_id(user: Any) -> int | None:
    """The school a teacher works at (their first active school membership as a teacher or tutor)."""
    for m in memberships(user):
        if m.organisation.kind == Organisation.Kind.SCHOOL and m.role in (Role.TEACHER, Role.TUTOR):
            return m.organisation_id
    return None


def is_teacher(user: Any, route: Route) -> bool:
    return bool(memberships(user)) and route.teacher_id == user.pk


def is_tutor(user: Any, route: Route) -> bool:
    return bool(memberships(user)) and route.tutor_id is not None and route.tutor_id == user.pk


def is_school_admin(user: Any, route: Route) -> bool:
    return route.school_id in admin_school_ids(user)


def can_view(user: Any, route: Route) -> bool:
    return (
        is_teacher(user, route)
        or is_tutor(user, route)
        or is_school_admin(user, route)
        or is_methodologist(user)
    )


def can_edit(user: Any, route: Route) -> bool:
    """Sections and plan items: the teacher and the tutor, until the route is completed."""
    return route.status != Status.COMPLETED and (is_teacher(user, route) or is_tutor(user, route))


def can_choose_tutor(user: Any, route: Route) -> bool:
    """The teacher chooses their tutor while the route is a draft (later the tutor has agreed
    to it); a methodologist assigns or replaces one until the route is completed."""
    if route.status == Status.COMPLETED:
        return False
    return is_methodologist(user) or (is_teacher(user, route) and route.status == Status.DRAFT)


def can_create_for(user: Any, teacher_id: int) -> bool:
    """A teacher starts their own route; a methodologist may start (propose) anyone's."""
    return (bool(memberships(user)) and user.pk == teacher_id) or is_methodologist(user)


def can_confirm_evidence(user: Any, route: Route) -> bool:
    return is_tutor(user, route) or is_methodologist(user)


def visible_filter(user: Any) -> dict[str, Any] | None:
    """None: every route (a methodologist); else a filter for ``Route.objects.filter(Q(...))``."""
    if is_methodologist(user):
        return None
    return {"teacher_id": user.pk, "tutor_id": user.pk, "school_id__in": admin_school_ids(user)}
