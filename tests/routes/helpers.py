"""Building routes for the tests, through the services."""

from __future__ import annotations

from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes import services
from tutorials.routes.models import Route, Status


def draft(cast: Cast, who: str = "teacher", *, tutor: bool = True, items: int = 1) -> Route:
    teacher = cast.user(who)
    route = services.route_create(
        actor=teacher, teacher=teacher, academic_year=cast.year, tutor=cast.user("tutor") if tutor else None
    )
    for n in range(items):
        services.item_add(actor=teacher, route_id=route.pk, version=route.version, task=f"Задача {n + 1}")
        route.refresh_from_db()
    return route


def step(route: Route, actor, target: str, reason: str = "") -> Route:  # type: ignore[no-untyped-def]
    route.refresh_from_db()
    return services.route_transition(
        actor=actor, route_id=route.pk, version=route.version, target=target, reason=reason
    )


def approved(cast: Cast, who: str = "teacher") -> Route:
    route = draft(cast, who)
    step(route, cast.user(who), Status.SUBMITTED)
    step(route, cast.user("tutor"), Status.AGREED)
    admin = "admin_a" if who != "teacher_b" else "admin_b"
    return step(route, cast.user(admin), Status.APPROVED)
