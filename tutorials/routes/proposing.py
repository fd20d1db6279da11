"""Proposing routes for a whole campaign: the methodologist's side of ``route_propose``.

When a campaign's results are final (``group_builder.is_final``: closed, nothing waiting
for a grade), a methodologist lists the teachers with deficits and proposes routes for
them, one by one or for all those selected.

Idempotent: never two drafts for one teacher and year.  The database holds it
(``route_one_per_teacher_year``); a run adds only the deficits a draft does not have yet;
two methodologists' runs for one year take an advisory lock in turn, so the second finds
the first one's drafts and adds nothing to them; a draft started meanwhile by someone
else (the teacher) makes the batch's insert fail on the constraint, and the batch is
rolled back and tried again.  Bulk: the reads are set-based and a batch of teachers is
one transaction with a few ``bulk_create`` (``propose_for``); a refusal for one teacher
(a route already sent on) is decided before writing and does not undo the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from psycopg.errors import UniqueViolation

from accounts.models import AuditEvent, Membership, User
from tenants.models import Organisation
from tutorials.diagnostics.campaigns.models import Attempt, Campaign
from tutorials.diagnostics.campaigns.selectors import Deficit, deficits_in_campaign
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from . import permissions, proposals, services
from .group_builder import is_final
from .models import PlanItem, Route, RouteTransition, Status


@dataclass
class Outcome:
    teacher_id: int
    route_id: int | None
    added: int
    refused: str = ""


@dataclass
class Row:
    teacher: User
    school_id: int | None
    deficits: list[Deficit]
    route: Route | None


def _campaign(actor: Any, campaign_id: int) -> Campaign:
    if not permissions.is_methodologist(actor):
        raise PermissionDeniedError(_("Only the centre's methodologists propose routes."))
    campaign = Campaign.objects.select_related("academic_year", "subject").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFoundError(_("There is no such campaign."))
    return campaign


def rows(*, actor: Any, campaign_id: int) -> tuple[Campaign, bool, list[Row]]:
    """The teachers with deficits in the campaign, with their route for its year (6 queries
    whatever the number of teachers)."""
    campaign = _campaign(actor, campaign_id)
    final = is_final(campaign)
    if not final:
        return campaign, False, []
    found = {t: d for t, d in deficits_in_campaign(campaign).items() if d}
    teachers = User.objects.in_bulk(list(found))
    schools = dict(
        Attempt.objects.filter(campaign=campaign, teacher_id__in=list(found)).values_list(
            "teacher_id", "school_id"
        )
    )
    routes = {
        r.teacher_id: r
        for r in Route.objects.filter(teacher_id__in=list(found), academic_year=campaign.academic_year)
    }
    lines = [
        Row(
            teacher=teachers[t],
            school_id=schools.get(t),
            deficits=proposals.rank_deficits(d),
            route=routes.get(t),
        )
        for t, d in found.items()
        if t in teachers
    ]
    lines.sort(key=lambda r: (r.teacher.last_name, r.teacher.first_name, r.teacher.pk))
    return campaign, True, lines


def _is_unique_violation(error: IntegrityError) -> bool:
    return isinstance(error.__cause__, UniqueViolation)


BATCH = 500  # teachers per transaction of a campaign-wide run


def _lock_year(academic_year_id: int) -> None:
    """Campaign-wide runs for one year, in this schema, one at a time (released at the end of
    the transaction): a second methodologist's run waits, then finds the first one's drafts."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"routes.propose:{connection.schema_name}:{academic_year_id}"],  # type: ignore[attr-defined]
        )


def _with_memberships(teacher_ids: list[int]) -> dict[int, User]:
    """The teachers, each with their active memberships cached as ``permissions`` reads them
    (2 statements for any number)."""
    teachers = User.objects.in_bulk(teacher_ids)
    for user in teachers.values():
        user._route_memberships = []  # type: ignore[attr-defined]
    for membership in Membership.objects.filter(user_id__in=teacher_ids, is_active=True).select_related(
        "organisation"
    ):
        teachers[membership.user_id]._route_memberships.append(membership)  # type: ignore[attr-defined]
    return teachers


def _batch(
    *,
    actor: User,
    campaign: Campaign,
    deficits: dict[int, list[Deficit]],
    book: proposals.OfferBook,
    organisation: Organisation,
) -> dict[int, Outcome]:
    """One transaction for a batch of teachers: the drafts that are missing, one
    ``bulk_create`` each for routes, transitions, tasks and audit events (the same rows the
    one-teacher ``proposals.propose`` writes)."""
    ids = list(deficits)
    outcomes: dict[int, Outcome] = {}
    with transaction.atomic():
        _lock_year(campaign.academic_year_id)
        teachers = _with_memberships(ids)
        routes = {
            r.teacher_id: r
            for r in Route.objects.select_for_update(of=("self",)).filter(
                teacher_id__in=ids, academic_year_id=campaign.academic_year_id
            )
        }
        drafts = [r.pk for r in routes.values() if r.status == Status.DRAFT]
        had: dict[int, list[tuple[int | None, str]]] = {}
        for route_id, topic_id, label in PlanItem.objects.filter(route_id__in=drafts).values_list(
            "route_id", "topic_id", "deficit"
        ):
            had.setdefault(route_id, []).append((topic_id, label))
        created: list[Route] = []
        for teacher_id in ids:
            route = routes.get(teacher_id)
            if route is not None and route.status != Status.DRAFT:
                outcomes[teacher_id] = Outcome(
                    teacher_id=teacher_id,
                    route_id=None,
                    added=0,
                    refused=_(
                        "The route for this year has already been sent on; proposals go only into a draft."
                    ),
                )
            elif route is None:
                teacher = teachers.get(teacher_id)
                school_id = permissions.teacher_school_id(teacher) if teacher else None
                if school_id is None:
                    outcomes[teacher_id] = Outcome(
                        teacher_id=teacher_id,
                        route_id=None,
                        added=0,
                        refused=_("This person is not a teacher of any school of the district."),
                    )
                    continue
                route = Route(
                    teacher_id=teacher_id,
                    school_id=school_id,
                    academic_year_id=campaign.academic_year_id,
                    subject_id=campaign.subject_id,
                    campaign_id=campaign.pk,
                )
                routes[teacher_id] = route
                created.append(route)
        Route.objects.bulk_create(created)
        RouteTransition.objects.bulk_create(
            [RouteTransition(route=r, actor=actor, from_status="", to_status=Status.DRAFT) for r in created]
        )
        new = {r.teacher_id for r in created}
        items: list[PlanItem] = []
        events: list[AuditEvent] = []
        for teacher_id in ids:
            if teacher_id in outcomes:
                continue
            route = routes[teacher_id]
            existing = had.get(route.pk, [])
            added = proposals.new_items(
                route=route,
                deficits=deficits[teacher_id],
                book=book,
                existing={t for t, _label in existing if t is not None},
                existing_blocks={label for t, label in existing if t is None},
                position=len(existing),
            )
            items += added
            # What services.audit writes for route_create and route_propose, in bulk.
            happened = [("route.create", {"teacher": teacher_id})] if teacher_id in new else []
            happened.append(("route.propose", {"campaign": campaign.pk}))
            target = str(route.pk)
            events += [
                AuditEvent(actor=actor, organisation=organisation, action=action, target=target, data=data)
                for action, data in happened
            ]
            outcomes[teacher_id] = Outcome(teacher_id=teacher_id, route_id=route.pk, added=len(added))
        PlanItem.objects.bulk_create(items, batch_size=2000)
        AuditEvent.objects.bulk_create(events, batch_size=2000)
    return outcomes


def propose_for(*, actor: User, campaign_id: int, teacher_ids: list[int]) -> list[Outcome]:
    """Propose routes for these teachers of the campaign, in bulk: the campaign's deficits and
    every topic's offers read once, then one transaction per ``BATCH`` teachers that writes the
    missing drafts and their tasks with a few ``bulk_create`` (a constant number of statements
    per batch, not per teacher).  A teacher refused (a route already sent on, no deficits, not
    a teacher of a school) is named in their outcome; the others are still proposed.  The drafts
    and tasks are those the one-teacher ``proposals.propose`` makes (tests/routes/test_propose_bulk.py).

    Never two drafts for a teacher and year: runs for one year take a lock in turn, and the
    unique constraint ``route_one_per_teacher_year`` stops a draft someone else started
    meanwhile (the teacher's own, say): the batch is rolled back and tried again, and then
    finds that draft and adds to it only what it lacks."""
    campaign = _campaign(actor, campaign_id)
    if not is_final(campaign):
        raise TutornetError(_("The campaign's results are not final yet: propose routes once they are."))
    with_deficits = {t: d for t, d in deficits_in_campaign(campaign).items() if d}
    book = proposals.OfferBook(campaign.subject_id)
    wanted = list(dict.fromkeys(teacher_ids))
    book.preload({d.topic_id for t in wanted for d in with_deficits.get(t, []) if d.topic_id})
    organisation = services._organisation()
    found: dict[int, Outcome] = {}
    proposable = [t for t in wanted if t in with_deficits]
    for start in range(0, len(proposable), BATCH):
        chunk = {t: proposals.rank_deficits(with_deficits[t]) for t in proposable[start : start + BATCH]}
        for attempt in (1, 2, 3):
            try:
                done = _batch(
                    actor=actor, campaign=campaign, deficits=chunk, book=book, organisation=organisation
                )
            except IntegrityError as error:
                if attempt == 3 or not _is_unique_violation(error):
                    raise
                continue
            found.update(done)
            break
    none = _("The diagnostics show no deficits for this teacher: there is nothing to propose.")
    return [found.get(t) or Outcome(teacher_id=t, route_id=None, added=0, refused=none) for t in wanted]
