"""Proposing routes for a whole campaign: the methodologist's side of ``route_propose``.

When a campaign's results are final (``group_builder.is_final``: closed, nothing waiting
for a grade), a methodologist lists the teachers with deficits and proposes routes for
them, one by one or for all those selected.

Idempotent: never two drafts for one teacher and year.  The database holds it
(``route_one_per_teacher_year``); ``route_propose`` adds only the deficits the draft
does not have yet; and when two methodologists propose for the same teacher at the
same moment, the one whose draft lost the race to the unique constraint tries again,
finds the other's draft and adds nothing to it.  Each teacher is one transaction: a
refusal for one (a route already sent on) does not undo the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError
from django.utils.translation import gettext as _
from psycopg.errors import UniqueViolation

from accounts.models import User
from tutorials.diagnostics.campaigns.models import Attempt, Campaign
from tutorials.diagnostics.campaigns.selectors import Deficit, deficits_in_campaign
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from . import permissions, proposals
from .group_builder import is_final
from .models import Route


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


def _one(
    *,
    actor: User,
    campaign: Campaign,
    teacher_id: int,
    deficits: list[Deficit] | None = None,
    book: proposals.OfferBook | None = None,
) -> Outcome:
    for attempt in (1, 2):
        try:
            route, added = proposals.propose(
                teacher_id=teacher_id, campaign=campaign, actor=actor, deficits=deficits, book=book
            )
        except IntegrityError as error:
            # Another methodologist's draft for this teacher won the unique constraint
            # meanwhile: the second try finds it and adds only what it lacks.
            if attempt == 2 or not _is_unique_violation(error):
                raise
            continue
        except TutornetError as error:
            if attempt == 1 and error.field == "academic_year":
                continue  # the other's draft was committed between our two reads: as above
            return Outcome(teacher_id=teacher_id, route_id=None, added=0, refused=error.message)
        return Outcome(teacher_id=teacher_id, route_id=route.pk, added=added)
    raise AssertionError("unreachable")


def propose_for(*, actor: User, campaign_id: int, teacher_ids: list[int]) -> list[Outcome]:
    """Propose routes for these teachers of the campaign (each its own transaction)."""
    campaign = _campaign(actor, campaign_id)
    if not is_final(campaign):
        raise TutornetError(_("The campaign's results are not final yet: propose routes once they are."))
    with_deficits = {t: d for t, d in deficits_in_campaign(campaign).items() if d}
    book = proposals.OfferBook(campaign.subject_id)  # one read per topic for all the teachers
    outcomes = []
    for teacher_id in dict.fromkeys(teacher_ids):
        if teacher_id not in with_deficits:
            outcomes.append(
                Outcome(
                    teacher_id=teacher_id,
                    route_id=None,
                    added=0,
                    refused=_(
                        "The diagnostics show no deficits for this teacher: there is nothing to propose."
                    ),
                )
            )
            continue
        outcomes.append(
            _one(
                actor=actor,
                campaign=campaign,
                teacher_id=teacher_id,
                deficits=with_deficits[teacher_id],
                book=book,
            )
        )
    return outcomes
