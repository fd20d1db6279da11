"""The group-route builder: which teachers of the district share deficits.

The rule (tested in ``tests/routes/test_groups.py``):

* the deficits come from one diagnostic campaign (one subject, one year), through the
  diagnostics' selector (``deficits_in_campaign``, the batch form of ``deficits_for``:
  final results only);
* a candidate group is a set of ``k`` codifier topics (``k = 1`` by default) that are
  deficits of **at least ``min_size`` teachers** (``MIN_GROUP_SIZE = 3`` by default);
  its members are every teacher whose deficits include all ``k`` topics, from whatever
  school;
* a questionnaire-only deficit named by a competence block (no codifier topic) is not
  grouped: a group works on topics that tutorials, case materials and the next
  diagnostics name;
* candidates are ordered by members (most first), then schools (most first), then the
  codifier order of their topics, so the list is stable;
* a teacher may be in several candidates; the methodologist picks, adjusts (adds or
  removes teachers) and confirms (``groups.group_create`` / ``group_confirm``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from codifier.models import Topic, code_sort_key
from tutorials.diagnostics.campaigns.models import Attempt, Campaign
from tutorials.diagnostics.campaigns.selectors import deficits_in_campaign
from tutornet.errors import NotFoundError

from . import permissions
from .models import Route
from .models_groups import GroupItem, GroupMember, GroupRoute

MIN_GROUP_SIZE = 3
MAX_K = 3


@dataclass
class Candidate:
    topics: list[Topic]
    teacher_ids: list[int]
    school_ids: set[int] = field(default_factory=set)

    @property
    def title(self) -> str:
        return ", ".join(t.title for t in self.topics)

    @property
    def topic_ids(self) -> list[int]:
        return [t.pk for t in self.topics]


def candidates(campaign: Campaign, *, k: int = 1, min_size: int = MIN_GROUP_SIZE) -> list[Candidate]:
    """The candidate groups of a campaign (the rule in the module's docstring); 6 queries
    whatever the number of teachers."""
    k = max(1, min(k, MAX_K))
    min_size = max(2, min_size)
    by_teacher = deficits_in_campaign(campaign)
    teachers_of: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for teacher_id, deficits in by_teacher.items():
        topic_ids = sorted({d.topic_id for d in deficits if d.topic_id is not None})
        for combo in combinations(topic_ids, k):
            teachers_of[combo].append(teacher_id)
    kept = {combo: ids for combo, ids in teachers_of.items() if len(ids) >= min_size}
    if not kept:
        return []
    schools = dict(
        Attempt.objects.filter(campaign=campaign, status=Attempt.Status.FINAL).values_list(
            "teacher_id", "school_id"
        )
    )
    topics = Topic.objects.in_bulk({t for combo in kept for t in combo})
    found = [
        Candidate(
            topics=[topics[t] for t in combo],
            teacher_ids=sorted(ids),
            school_ids={s for s in (schools.get(i) for i in ids) if s is not None},
        )
        for combo, ids in kept.items()
    ]
    found.sort(
        key=lambda c: (
            -len(c.teacher_ids),
            -len(c.school_ids),
            [code_sort_key(t.code) for t in c.topics],
        )
    )
    return found


def final_campaigns() -> list[Campaign]:
    """Campaigns whose results are final: closed, and no attempt waits for a grade
    (2 queries)."""
    from django.utils import timezone

    closed = list(
        Campaign.objects.filter(published_at__isnull=False, closes_at__lte=timezone.now())
        .select_related("subject", "academic_year")
        .order_by("-closes_at", "-pk")[:50]
    )
    waiting = set(
        Attempt.objects.filter(campaign__in=closed)
        .exclude(status=Attempt.Status.FINAL)
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    return [c for c in closed if c.pk not in waiting]


def is_final(campaign: Campaign) -> bool:
    """A campaign's results are final when it is closed and no attempt waits for a grade."""
    return campaign.is_closed and not (
        Attempt.objects.filter(campaign=campaign).exclude(status=Attempt.Status.FINAL).exists()
    )


# --- reads of group routes ----------------------------------------------------------------------------


def group_page(group_id: int, user: Any) -> GroupRoute:
    from . import groups

    group = (
        GroupRoute.objects.select_related("subject", "academic_year")
        .prefetch_related("topics", "tutors")
        .filter(pk=group_id)
        .first()
    )
    if group is None or not groups.can_view(user, group):
        raise NotFoundError(_("There is no such group route."))
    return group


def members_of(group: GroupRoute) -> list[GroupMember]:
    return list(
        group.members.select_related("teacher", "school", "route").order_by(
            "status", "teacher__last_name", "pk"
        )
    )


def items_of(group: GroupRoute) -> list[GroupItem]:
    return list(group.items.filter(removed_at__isnull=True).select_related("topic"))


def groups_of_route(route: Route) -> list[GroupMember]:
    """The groups a route is live-linked to (one query)."""
    return list(
        GroupMember.objects.filter(route=route, status=GroupMember.MemberStatus.ACTIVE).select_related(
            "group"
        )
    )


def visible_groups(user: Any) -> QuerySet[GroupRoute]:
    """The groups this person may see, with their counts (one query for the list)."""
    groups = GroupRoute.objects.select_related("subject", "academic_year").annotate(
        member_count=Count(
            "members", filter=Q(members__status=GroupMember.MemberStatus.ACTIVE), distinct=True
        ),
        school_count=Count(
            "members__school", filter=Q(members__status=GroupMember.MemberStatus.ACTIVE), distinct=True
        ),
        item_count=Count("items", filter=Q(items__removed_at__isnull=True), distinct=True),
    )
    if permissions.is_methodologist(user):
        return groups
    return groups.filter(tutors=user.pk)
