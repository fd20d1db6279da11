"""Writes of professional routes.  Each service is one transaction, checks the
permission itself and audits what it changed (``RouteTransition`` for the
lifecycle, ``AuditEvent`` for the rest).

Optimistic concurrency: every edit names the ``version`` it was made from; if the
row moved on meanwhile the service refuses with :class:`StaleVersionError` and
writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from tenants.models import AcademicYear, Organisation
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from . import permissions, selectors
from .errors import StaleVersionError, TransitionRefusedError
from .models import SECTIONS, Evidence, Form, PlanItem, Route, RouteTransition, Status, TargetKind


def _organisation() -> Organisation:
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation):
        return tenant
    return Organisation.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]


def audit(*, actor: User, action: str, target: object, **data: Any) -> None:
    AuditEvent.objects.create(
        actor=actor, organisation=_organisation(), action=action, target=str(target)[:200], data=data
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("You do not have permission to do this."))


def _route(route_id: int, actor: User, *, lock: bool = True) -> Route:
    """The route, locked, if the actor may see it; else the same 404 as a missing one."""
    queryset = Route.objects.select_for_update() if lock else Route.objects.all()
    route = queryset.filter(pk=route_id).first()
    if route is None or not permissions.can_view(actor, route):
        raise NotFoundError(_("There is no such route."))
    return route


def _check_version(found: int, expected: int) -> None:
    if found != expected:
        raise StaleVersionError(
            _(
                "Someone else has changed this since you opened it. "
                "Reload the page and make your change again."
            )
        )


def _bump(route: Route, *fields: str) -> None:
    route.version = F("version") + 1  # type: ignore[assignment]
    route.save(update_fields=["version", "updated_at", *fields])
    route.refresh_from_db(fields=["version"])


# --- the route -----------------------------------------------------------------


@transaction.atomic
def route_create(
    *,
    actor: User,
    teacher: User,
    academic_year: AcademicYear,
    tutor: User | None = None,
    subject_id: int | None = None,
    campaign_id: int | None = None,
) -> Route:
    """A draft route for a teacher and a year (one per teacher and year)."""
    _require(permissions.can_create_for(actor, teacher.pk))
    school_id = permissions.teacher_school_id(teacher)
    if school_id is None:
        raise TutornetError(_("This person is not a teacher of any school of the district."), field="teacher")
    if Route.objects.filter(teacher=teacher, academic_year=academic_year).exists():
        raise TutornetError(_("This teacher already has a route for this year."), field="academic_year")
    route = Route.objects.create(
        teacher=teacher,
        school_id=school_id,
        academic_year=academic_year,
        tutor=tutor,
        subject_id=subject_id,
        campaign_id=campaign_id,
    )
    RouteTransition.objects.create(route=route, actor=actor, from_status="", to_status=Status.DRAFT)
    audit(actor=actor, action="route.create", target=route.pk, teacher=teacher.pk)
    return route


@transaction.atomic
def route_update_sections(*, actor: User, route_id: int, version: int, **sections: str) -> Route:
    """Save the stage sections (interest, question, goal, resources, presentation, reflection)."""
    route = _route(route_id, actor)
    _require(permissions.can_edit(actor, route))
    _check_version(route.version, version)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise TutornetError(_("Unknown section."), field=sorted(unknown)[0])
    for name, text in sections.items():
        setattr(route, name, (text or "").strip())
    _bump(route, *sections)
    audit(actor=actor, action="route.sections", target=route.pk, sections=sorted(sections))
    return route


@transaction.atomic
def route_set_tutor(*, actor: User, route_id: int, version: int, tutor: User | int | None) -> Route:
    """Choose (or, with None, clear) the route's tutor, given as the person or their id: one of
    ``selectors.tutor_choices``, since the tutor sees and edits the route."""
    route = _route(route_id, actor)
    _require(permissions.can_choose_tutor(actor, route))
    _check_version(route.version, version)
    if tutor is not None:
        tutor = selectors.tutor_choices().filter(pk=tutor if isinstance(tutor, int) else tutor.pk).first()
        if tutor is None:
            raise TutornetError(_("Choose one of the tutors of this organisation."), field="tutor")
    route.tutor = tutor
    _bump(route, "tutor")
    audit(actor=actor, action="route.tutor", target=route.pk, tutor=tutor.pk if tutor else None)
    return route


# --- the lifecycle -------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    who: Callable[[Any, Route], bool]
    needs_reason: bool = False


def _teacher_or_tutor(user: Any, route: Route) -> bool:
    return permissions.is_teacher(user, route) or permissions.is_tutor(user, route)


def _methodologist(user: Any, route: Route) -> bool:
    return permissions.is_methodologist(user)


STEPS = (
    Step(Status.DRAFT, Status.SUBMITTED, _teacher_or_tutor),
    Step(Status.SUBMITTED, Status.AGREED, permissions.is_tutor),
    Step(Status.SUBMITTED, Status.DRAFT, _teacher_or_tutor, needs_reason=True),
    Step(Status.AGREED, Status.APPROVED, permissions.is_school_admin),
    Step(Status.AGREED, Status.DRAFT, permissions.is_school_admin, needs_reason=True),
    Step(
        Status.APPROVED,
        Status.ACTIVE,
        lambda u, r: _teacher_or_tutor(u, r) or permissions.is_school_admin(u, r),
    ),
    Step(Status.ACTIVE, Status.COMPLETED, lambda u, r: permissions.is_tutor(u, r) or _methodologist(u, r)),
    Step(Status.COMPLETED, Status.ACTIVE, _methodologist, needs_reason=True),
)


def next_steps(user: Any, route: Route) -> list[Step]:
    """The steps this person may take from the route's status now (for the page's buttons)."""
    return [s for s in STEPS if s.source == route.status and s.who(user, route)]


def _refusal(route: Route, step: Step | None, target: str) -> str | None:
    """Why the route may not move now, or None."""
    if step is None:
        return _("A route cannot go from “%(source)s” to “%(target)s”.") % {
            "source": Status(route.status).label,
            "target": Status(target).label if target in Status.values else target,
        }
    if step.target == Status.SUBMITTED:
        if route.tutor_id is None:
            return _("Choose a tutor before sending the route for agreement.")
        if route.items.filter(proposal=PlanItem.Proposal.PROPOSED).exists():
            return _("Accept, change or drop every proposed task before sending the route.")
        if not route.items.exclude(
            proposal__in=[PlanItem.Proposal.PROPOSED, PlanItem.Proposal.DROPPED]
        ).exists():
            return _("The plan is empty: accept a proposed task or add one before sending the route.")
    return None


@transaction.atomic
def route_transition(*, actor: User, route_id: int, version: int, target: str, reason: str = "") -> Route:
    """Move the route one step of its lifecycle; a refusal says why and writes nothing."""
    route = _route(route_id, actor)
    _check_version(route.version, version)
    step = next((s for s in STEPS if s.source == route.status and s.target == target), None)
    refusal = _refusal(route, step, target)
    if refusal:
        raise TransitionRefusedError(refusal)
    assert step is not None
    if not step.who(actor, route):
        raise PermissionDeniedError(_("You may not take this step on this route."))
    reason = (reason or "").strip()
    if step.needs_reason and not reason:
        raise TransitionRefusedError(_("Say why: a reason is required for this step."), field="reason")
    source = route.status
    route.status = target
    _bump(route, "status")
    RouteTransition.objects.create(
        route=route, actor=actor, from_status=source, to_status=target, reason=reason
    )
    audit(actor=actor, action="route.transition", target=route.pk, source=source, to=target, reason=reason)
    return route


# --- plan items ----------------------------------------------------------------

ITEM_FIELDS = ("task", "form", "deadline", "expected_result", "status", "deficit", "topic_id")


def _clean_item(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TutornetError(_("Unknown field."), field=sorted(unknown)[0])
    if "task" in fields:
        fields["task"] = (fields["task"] or "").strip()
        if not fields["task"]:
            raise TutornetError(_("Write the task."), field="task")
    if "form" in fields and fields["form"] not in Form.values:
        raise TutornetError(_("Choose a form from the list."), field="form")
    if "status" in fields and fields["status"] not in PlanItem.ItemStatus.values:
        raise TutornetError(_("Choose a status from the list."), field="status")
    if fields.get("deadline") is not None and not isinstance(fields["deadline"], date):
        raise TutornetError(_("Enter a valid date."), field="deadline")
    return fields


@transaction.atomic
def item_add(*, actor: User, route_id: int, version: int, **fields: Any) -> PlanItem:
    route = _route(route_id, actor)
    _require(permissions.can_edit(actor, route))
    _check_version(route.version, version)
    fields = _clean_item(fields)
    if "task" not in fields:
        raise TutornetError(_("Write the task."), field="task")
    position = route.items.count() + 1
    item = PlanItem.objects.create(route=route, position=position, **fields)
    _bump(route)
    audit(actor=actor, action="route.item_add", target=route.pk, item=item.pk)
    return item


def _item(item_id: int, actor: User) -> tuple[PlanItem, Route]:
    item = PlanItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFoundError(_("There is no such task."))
    route = _route(item.route_id, actor)
    return item, route


@transaction.atomic
def item_update(*, actor: User, item_id: int, version: int, **fields: Any) -> PlanItem:
    """Change a task; changing a proposed task accepts it as changed."""
    item, route = _item(item_id, actor)
    _require(permissions.can_edit(actor, route))
    _check_version(item.version, version)
    fields = _clean_item(fields)
    for name, value in fields.items():
        setattr(item, name, value)
    if item.proposal == PlanItem.Proposal.PROPOSED:
        item.proposal = PlanItem.Proposal.ACCEPTED
    item.version += 1
    item.save()
    audit(actor=actor, action="route.item_update", target=route.pk, item=item.pk, fields=sorted(fields))
    return item


@transaction.atomic
def item_decide(*, actor: User, item_id: int, version: int, accept: bool) -> PlanItem:
    """Accept or drop a proposed task: nothing is imposed."""
    item, route = _item(item_id, actor)
    _require(permissions.can_edit(actor, route))
    _check_version(item.version, version)
    if item.proposal != PlanItem.Proposal.PROPOSED:
        raise TutornetError(_("This task is not a proposal waiting for a decision."))
    item.proposal = PlanItem.Proposal.ACCEPTED if accept else PlanItem.Proposal.DROPPED
    if not accept:
        item.status = PlanItem.ItemStatus.DROPPED
    item.version += 1
    item.save(update_fields=["proposal", "status", "version"])
    audit(actor=actor, action="route.item_decide", target=route.pk, item=item.pk, accept=accept)
    return item


def resolve_target(kind: str, object_id: int) -> str:
    """The title of a real object on this organisation's platform, or a refusal: an object
    that does not exist here (deleted, or another organisation's) or is not open is refused."""
    from casebank.models import Material
    from casebank.models import Status as MaterialStatus
    from consultations.help_hour.models import HelpHourSession
    from consultations.models import Offering
    from tutorials.models import Tutorial

    found: Any = None
    if kind == TargetKind.OFFERING:
        found = Offering.objects.filter(pk=object_id, is_active=True).first()
    elif kind == TargetKind.TUTORIAL:
        found = Tutorial.objects.filter(pk=object_id, status=Tutorial.Status.PUBLISHED).first()
    elif kind == TargetKind.MATERIAL:
        found = Material.objects.filter(pk=object_id, status=MaterialStatus.PUBLISHED).first()
    elif kind == TargetKind.HELP_HOUR_SESSION:
        found = HelpHourSession.objects.filter(pk=object_id).first()
    else:
        raise TutornetError(_("Choose what the task points to from the list."), field="target_kind")
    if found is None:
        raise TutornetError(_("There is no such object open here."), field="target_id")
    return str(getattr(found, "title", None) or found)[:300]


@transaction.atomic
def item_set_target(*, actor: User, item_id: int, version: int, kind: str, object_id: int | None) -> PlanItem:
    """Point a task to a real object of the platform (or clear it with ``kind=""``)."""
    item, route = _item(item_id, actor)
    _require(permissions.can_edit(actor, route))
    _check_version(item.version, version)
    if kind:
        if object_id is None:
            raise TutornetError(_("There is no such object open here."), field="target_id")
        item.target_title = resolve_target(kind, object_id)
        item.target_kind, item.target_id = kind, object_id
    else:
        item.target_kind, item.target_id, item.target_title = "", None, ""
    item.version += 1
    item.save(update_fields=["target_kind", "target_id", "target_title", "version"])
    audit(actor=actor, action="route.item_target", target=route.pk, item=item.pk, kind=kind, id=object_id)
    return item


# --- evidence --------------------------------------------------------------------


@transaction.atomic
def evidence_add(
    *,
    actor: User,
    route_id: int,
    kind: str,
    title: str,
    url: str = "",
    note: str = "",
    file: Any = None,
    item_id: int | None = None,
    why: str = "",
) -> Evidence:
    """The teacher (or tutor) adds their own evidence: a file, a link or a note."""
    route = _route(route_id, actor)
    _require(permissions.can_edit(actor, route))
    if kind not in (Evidence.Kind.FILE, Evidence.Kind.LINK, Evidence.Kind.NOTE):
        raise TutornetError(_("Add a file, a link or a note."), field="kind")
    title = (title or "").strip()
    if not title:
        raise TutornetError(_("Give it a title."), field="title")
    if kind == Evidence.Kind.LINK and not url.startswith(("https://", "http://")):
        raise TutornetError(_("Enter a web address starting with https://."), field="url")
    if kind == Evidence.Kind.FILE and not file:
        raise TutornetError(_("Choose a file."), field="file")
    if item_id is not None and not route.items.filter(pk=item_id).exists():
        raise TutornetError(_("There is no such task."), field="item")
    evidence = Evidence.objects.create(
        route=route,
        item_id=item_id,
        kind=kind,
        title=title[:300],
        url=url,
        note=note,
        added_by=actor,
        why=why[:300],
    )
    if file:
        evidence.file.save(getattr(file, "name", "file"), file, save=True)
    audit(actor=actor, action="route.evidence_add", target=route.pk, evidence=evidence.pk, kind=kind)
    return evidence


@transaction.atomic
def evidence_confirm(*, actor: User, evidence_id: int, comment: str = "") -> Evidence:
    """The tutor confirms a piece of evidence (and may comment)."""
    evidence = Evidence.objects.select_for_update().filter(pk=evidence_id).first()
    if evidence is None:
        raise NotFoundError(_("There is no such evidence."))
    route = _route(evidence.route_id, actor)
    _require(permissions.can_confirm_evidence(actor, route))
    evidence.confirmed_by = actor
    evidence.confirmed_at = timezone.now()
    evidence.tutor_comment = (comment or "").strip()
    evidence.save(update_fields=["confirmed_by", "confirmed_at", "tutor_comment"])
    audit(actor=actor, action="route.evidence_confirm", target=route.pk, evidence=evidence.pk)
    return evidence
