"""Next year's draft, from the stage «корректировка на следующий год».

From a completed route, one action drafts the teacher's route for the next academic year:

* what was not achieved comes along: every plan item still planned or in progress
  (not done, not dropped), as a **proposed** task (the teacher and the tutor accept,
  change or drop it again: nothing is imposed), with its why («перенесено из маршрута
  2026/2027: не выполнено») and its deadline moved to the same day of the next year;
  its target (a past consultation or tutorial) is not carried, only its title in the why;
* the correction's goals (the route's «рефлексия и коррекция») become the new route's
  goal;
* the tutor and the subject stay.

The next year is the academic year that starts first after this one; none set up is a
clear refusal.  If the teacher already has a draft for that year (the September
proposals, say), the carried items go into it; a route already sent on is refused.
Carrying twice adds nothing: an item already carried (``ItemCarry``) is skipped.
Only the teacher, their tutor or a methodologist may do it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from tenants.models import AcademicYear
from tutornet.errors import PermissionDeniedError, TutornetError, unique_or_conflict

from . import permissions, services
from .models import PlanItem, Route, Status
from .models_groups import ItemCarry

UNFINISHED = (PlanItem.ItemStatus.PLANNED, PlanItem.ItemStatus.IN_PROGRESS)


@dataclass
class Carried:
    route: Route
    carried: int


def _moved(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def next_year(year: AcademicYear) -> AcademicYear | None:
    return AcademicYear.objects.filter(starts_on__gt=year.starts_on).order_by("starts_on").first()


def can_carry_over(user: object, route: Route) -> bool:
    return route.status == Status.COMPLETED and (
        permissions.is_teacher(user, route)
        or permissions.is_tutor(user, route)
        or permissions.is_methodologist(user)
    )


@transaction.atomic
def route_carry_over(*, actor: User, route_id: int) -> Carried:
    """Draft (or fill) next year's route with what this completed route did not achieve."""
    route = services._route(route_id, actor)
    if not can_carry_over(actor, route):
        if route.status != Status.COMPLETED:
            raise TutornetError(_("Only a completed route is carried over to the next year."))
        raise PermissionDeniedError(_("You do not have permission to do this."))
    year = next_year(route.academic_year)
    if year is None:
        raise TutornetError(_("The next academic year is not set up yet."), field="academic_year")
    target = Route.objects.select_for_update().filter(teacher_id=route.teacher_id, academic_year=year).first()
    if target is None:
        # Two clicks at once: the second finds the first's route by the unique constraint.
        with unique_or_conflict(_("Next year's route is being drafted right now: reload the page.")):
            target = services.route_create(
                actor=actor if permissions.can_create_for(actor, route.teacher_id) else route.teacher,
                teacher=route.teacher,
                academic_year=year,
                tutor=route.tutor,
                subject_id=route.subject_id,
            )
    elif target.status != Status.DRAFT:
        raise TutornetError(
            _("The route for the next year has already been sent on; carry over goes only into a draft.")
        )
    years = year.starts_on.year - route.academic_year.starts_on.year
    done_before = set(
        ItemCarry.objects.filter(source__route=route, item__route=target).values_list("source_id", flat=True)
    )
    position = target.items.count()
    carried = 0
    for item in route.items.filter(status__in=UNFINISHED).exclude(proposal=PlanItem.Proposal.DROPPED):
        if item.pk in done_before:
            continue
        position += 1
        why = _("Carried over from the route of %(year)s: not achieved (%(status)s)") % {
            "year": route.academic_year.name,
            "status": PlanItem.ItemStatus(item.status).label,
        }
        if item.target_title:
            why += f"; {item.target_title}"
        new = PlanItem.objects.create(
            route=target,
            position=position,
            topic_id=item.topic_id,
            deficit=item.deficit,
            task=item.task,
            form=item.form,
            deadline=_moved(item.deadline, years) if item.deadline else None,
            expected_result=item.expected_result,
            proposal=PlanItem.Proposal.PROPOSED,
            why=why[:2000],
            offers=item.offers,
        )
        ItemCarry.objects.create(item=new, source=item)
        carried += 1
    correction = route.reflection.strip()
    if correction and correction not in target.goal:
        target.goal = f"{target.goal}\n\n{correction}".strip() if target.goal else correction
        services._bump(target, "goal")
    elif carried:
        services._bump(target)
    services.audit(actor=actor, action="route.carry_over", target=target.pk, source=route.pk, carried=carried)
    return Carried(route=target, carried=carried)
