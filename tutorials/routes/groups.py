"""Group routes: the centre's methodologists plan one route for teachers of several schools
who share deficits, and the members' individual routes follow it (Moodle's learning-plan
templates: live-linked until unlinked).

Who
---
* Only a methodologist of this centre builds, changes and confirms a group route and adds
  or removes its members.
* The group's tutors and the methodologists see the group's page.
* A member's teacher or tutor may detach one copied item, or unlink the whole route from
  the group; the methodologist may remove a member.

The sync rules (each is tested in ``tests/routes/test_groups.py``)
-----------------------------------------------------------------
1. **Confirming** copies every template item into each active member's route for the
   group's year (a draft is started for a member who has none), each copy marked as
   coming from the group (a :class:`GroupItemLink`).  A member whose route for the year
   is completed gets nothing: a completed route is a frozen snapshot.
2. **A change to a template item** reaches every linked copy, except a copy
   * in a completed route (frozen),
   * that is done or dropped (what the member did, or decided, stays as it is),
   * that is detached (the member's own copy now).
   Field by field (task, form, deadline, expected result, topic, target): a field the
   member or their tutor changed since the last sync keeps the member's value; a field
   they did not touch takes the template's.  The item's status is the member's own and is
   never synced.
3. **A new template item** is copied into every active member's route that is not
   completed.
4. **A removed template item**: a copy still planned, untouched and without evidence is
   deleted; any other copy (started, done, edited, with evidence) is kept and detached.
5. **A new member** (after confirming) gets copies of the current template items.
6. **A member who leaves** (removed by the methodologist, or who unlinks their route)
   keeps every item of their route, done or not, as their own copy: their links are
   detached and no later change reaches them.  Added again, they get copies only of the
   items they have no copy of.
7. **Detaching one item** keeps it in the route as it is; later changes skip it.

Every sync bumps the copies' and routes' ``version``: a member's form opened before the
change is refused as stale instead of overwriting the template's change.  Locks are
taken group → plan items (primary-key order) → routes (primary-key order), the same
item-before-route order as ``services.item_update``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from tenants.models import Organisation
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from . import permissions, services
from .models import Evidence, Form, PlanItem, Route, Status, TargetKind
from .models_groups import GroupItem, GroupItemLink, GroupMember, GroupRoute

GROUP_FIELDS = ("task", "form", "deadline", "expected_result", "topic_id")
TARGET_FIELDS = ("target_kind", "target_id", "target_title")
SYNC_KEYS = (*GROUP_FIELDS, "target")
FROZEN_ITEM = (PlanItem.ItemStatus.DONE, PlanItem.ItemStatus.DROPPED)


# --- who --------------------------------------------------------------------------


def can_manage(user: Any) -> bool:
    return permissions.is_methodologist(user)


def can_view(user: Any, group: GroupRoute) -> bool:
    return permissions.is_methodologist(user) or (
        bool(permissions.memberships(user)) and any(t.pk == user.pk for t in group.tutors.all())
    )


def _require_manager(user: Any) -> None:
    if not can_manage(user):
        raise PermissionDeniedError(_("Only the centre's methodologists build group routes."))


# --- values and copies ------------------------------------------------------------


def _values(source: GroupItem | PlanItem) -> dict[str, Any]:
    """The synced values of a template item or a copy, as JSON (dates as ISO strings)."""
    values: dict[str, Any] = {}
    for name in GROUP_FIELDS:
        value = getattr(source, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
    values["target"] = [getattr(source, name) for name in TARGET_FIELDS]
    return values


def _apply(item: PlanItem, key: str, value: Any) -> None:
    if key == "target":
        for name, part in zip(TARGET_FIELDS, value, strict=True):
            setattr(item, name, part)
    elif key == "deadline":
        item.deadline = date.fromisoformat(value) if value else None
    else:
        setattr(item, key, value)


def _deficit_label(group_item: GroupItem) -> str:
    topic = group_item.topic
    return f"{topic.code} {topic.title}"[:300] if topic else ""


def _copy_into(route: Route, member: GroupMember, group_item: GroupItem, position: int) -> PlanItem:
    item = PlanItem.objects.create(
        route=route,
        position=position,
        topic_id=group_item.topic_id,
        deficit=_deficit_label(group_item),
        task=group_item.task,
        form=group_item.form,
        deadline=group_item.deadline,
        expected_result=group_item.expected_result,
        target_kind=group_item.target_kind,
        target_id=group_item.target_id,
        target_title=group_item.target_title,
        why=_("From the group route «%(group)s»") % {"group": member.group.title},
    )
    GroupItemLink.objects.create(group_item=group_item, member=member, item=item, synced=_values(group_item))
    return item


def _bump_routes(route_ids: set[int]) -> None:
    if route_ids:
        Route.objects.filter(pk__in=route_ids).update(version=F("version") + 1, updated_at=timezone.now())


def _member_route(member: GroupMember, actor: User) -> Route | None:
    """The member's route for the group's year, locked; a draft is started if there is none."""
    group = member.group
    route = (
        Route.objects.select_for_update()
        .filter(teacher_id=member.teacher_id, academic_year_id=group.academic_year_id)
        .first()
    )
    if route is None:
        tutor = group.tutors.order_by("pk").first()
        route = services.route_create(
            actor=actor,
            teacher=member.teacher,
            academic_year=group.academic_year,
            tutor=tutor,
            subject_id=group.subject_id,
        )
    if member.route_id != route.pk:
        member.route = route
        member.save(update_fields=["route"])
    return route


def _link_member(member: GroupMember, actor: User) -> int:
    """Copy every live template item the member has no copy of (rules 1, 5, 6); returns how many."""
    route = _member_route(member, actor)
    if route is None or route.status == Status.COMPLETED:
        return 0
    have = set(GroupItemLink.objects.filter(member=member).values_list("group_item_id", flat=True))
    missing = [
        i
        for i in member.group.items.filter(removed_at__isnull=True).select_related("topic")
        if i.pk not in have
    ]
    position = route.items.count()
    for group_item in missing:
        position += 1
        _copy_into(route, member, group_item, position)
    if missing:
        _bump_routes({route.pk})
    return len(missing)


def _live_links(group_item: GroupItem) -> list[GroupItemLink]:
    """The copies a template change may reach, their items and routes locked (items first)."""
    links = list(
        GroupItemLink.objects.filter(
            group_item=group_item,
            detached_at__isnull=True,
            member__status=GroupMember.MemberStatus.ACTIVE,
        ).order_by("item_id")
    )
    items = PlanItem.objects.select_for_update().in_bulk([link.item_id for link in links])
    routes = {
        r.pk: r
        for r in Route.objects.select_for_update()
        .filter(pk__in={i.route_id for i in items.values()})
        .order_by("pk")
    }
    kept = []
    for link in links:
        link.item = items[link.item_id]
        link.item.route = routes[link.item.route_id]
        if link.item.route.status != Status.COMPLETED and link.item.status not in FROZEN_ITEM:
            kept.append(link)
    return kept


def _sync(group_item: GroupItem) -> int:
    """Rule 2: push the template item's values to its live copies; returns copies changed."""
    new = _values(group_item)
    changed_routes: set[int] = set()
    for link in _live_links(group_item):
        mine = _values(link.item)
        touched = False
        for key in SYNC_KEYS:
            if new[key] == link.synced.get(key) or mine[key] != link.synced.get(key):
                continue  # the template did not change it, or the member did: theirs stays
            _apply(link.item, key, new[key])
            if key == "topic_id":
                link.item.deficit = _deficit_label(group_item)
            touched = True
        link.synced = new
        link.save(update_fields=["synced"])
        if touched:
            link.item.version += 1
            link.item.save()
            changed_routes.add(link.item.route_id)
    _bump_routes(changed_routes)
    return len(changed_routes)


# --- the group ----------------------------------------------------------------------


def _group(group_id: int, actor: User, *, lock: bool = True) -> GroupRoute:
    queryset = GroupRoute.objects.select_for_update() if lock else GroupRoute.objects.all()
    group = queryset.filter(pk=group_id).first()
    if group is None or not can_view(actor, group):
        raise NotFoundError(_("There is no such group route."))
    _require_manager(actor)
    return group


def _bump_group(group: GroupRoute) -> None:
    group.version = F("version") + 1  # type: ignore[assignment]
    group.save(update_fields=["version"])
    group.refresh_from_db(fields=["version"])


def _district_teacher(teacher_id: int) -> tuple[User, int]:
    """A teacher of a school of this centre, and their school's id; anyone else is refused."""
    teacher = User.objects.filter(pk=teacher_id, is_active=True).first()
    school_id = permissions.teacher_school_id(teacher) if teacher else None
    centre = services._organisation()
    school = Organisation.objects.filter(pk=school_id).first() if school_id else None
    if teacher is None or school is None or school.centre_id != centre.pk:
        raise TutornetError(_("This person is not a teacher of a school of the district."), field="teacher")
    return teacher, school.pk


@transaction.atomic
def group_create(
    *,
    actor: User,
    title: str,
    academic_year_id: int,
    subject_id: int,
    topic_ids: list[int],
    teacher_ids: list[int],
    campaign_id: int | None = None,
    seed_items: bool = True,
) -> GroupRoute:
    """A group route being built: its topics, members and (``seed_items``) one item per
    topic pointing to the first offer the proposals' ranking finds for it."""
    from codifier.models import Topic

    from .proposals import offers_for

    _require_manager(actor)
    title = (title or "").strip()
    if not title:
        raise TutornetError(_("Give the group route a title."), field="title")
    topics = list(Topic.objects.filter(pk__in=topic_ids).order_by("position", "pk"))
    if len(topics) != len(set(topic_ids)):
        raise TutornetError(_("There is no such topic."), field="topics")
    members = [_district_teacher(t) for t in dict.fromkeys(teacher_ids)]
    group = GroupRoute.objects.create(
        title=title[:300],
        academic_year_id=academic_year_id,
        subject_id=subject_id,
        campaign_id=campaign_id,
        created_by=actor,
    )
    group.topics.set(topics)
    GroupMember.objects.bulk_create(
        [GroupMember(group=group, teacher=teacher, school_id=school_id) for teacher, school_id in members]
    )
    if seed_items:
        from tutorials.diagnostics.campaigns.selectors import Deficit

        for position, topic in enumerate(topics, start=1):
            deficit = Deficit(
                0, 0, topic.pk, topic.code, topic.title, topic.competence_block, "", "", None, None
            )
            offer = next((o for o in offers_for(deficit, subject_id) if o["id"] is not None), None)
            GroupItem.objects.create(
                group=group,
                position=position,
                topic=topic,
                task=_("Group work on “%(topic)s”") % {"topic": topic.title},
                form=offer["form"] if offer else Form.CONSULTATION,
                expected_result=_("Result of the next diagnostics on this topic above the threshold"),
                target_kind=offer["kind"] if offer else "",
                target_id=offer["id"] if offer else None,
                target_title=offer["title"][:300] if offer else "",
            )
    services.audit(actor=actor, action="route_group.create", target=group.pk, members=len(members))
    return group


@transaction.atomic
def group_set_tutors(*, actor: User, group_id: int, version: int, tutor_ids: list[int]) -> GroupRoute:
    from accounts.models import Role

    group = _group(group_id, actor)
    services._check_version(group.version, version)
    centre = services._organisation()
    tutors = list(
        User.objects.filter(
            pk__in=tutor_ids,
            memberships__organisation=centre,
            memberships__role=Role.TUTOR,
            memberships__is_active=True,
        ).distinct()
    )
    if len(tutors) != len(set(tutor_ids)):
        raise TutornetError(_("Choose tutors of the centre."), field="tutors")
    group.tutors.set(tutors)
    _bump_group(group)
    services.audit(actor=actor, action="route_group.tutors", target=group.pk, tutors=sorted(tutor_ids))
    return group


@transaction.atomic
def group_confirm(*, actor: User, group_id: int, version: int) -> GroupRoute:
    """Rule 1: the items go into every active member's route."""
    group = _group(group_id, actor)
    services._check_version(group.version, version)
    if group.status == GroupRoute.GroupStatus.CONFIRMED:
        raise TutornetError(_("This group route is already confirmed."))
    if not group.items.filter(removed_at__isnull=True).exists():
        raise TutornetError(_("Add at least one item before confirming the group route."))
    members = list(
        group.members.filter(status=GroupMember.MemberStatus.ACTIVE).select_related("teacher").order_by("pk")
    )
    if not members:
        raise TutornetError(_("Add at least one teacher before confirming the group route."))
    group.status = GroupRoute.GroupStatus.CONFIRMED
    group.confirmed_at = timezone.now()
    group.save(update_fields=["status", "confirmed_at"])
    _bump_group(group)
    copied = sum(_link_member(m, actor) for m in members)
    services.audit(actor=actor, action="route_group.confirm", target=group.pk, copied=copied)
    return group


# --- template items -----------------------------------------------------------------


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    fields = services._clean_item({k: v for k, v in fields.items() if k in GROUP_FIELDS})
    if "target_kind" in fields or "target_id" in fields:
        raise TutornetError(_("Unknown field."), field="target_kind")
    return fields


def _set_target(group_item: GroupItem, kind: str, object_id: int | None) -> None:
    if kind:
        if kind not in TargetKind.values or object_id is None:
            raise TutornetError(_("There is no such object open here."), field="target_id")
        group_item.target_title = services.resolve_target(kind, object_id)
        group_item.target_kind, group_item.target_id = kind, object_id
    else:
        group_item.target_kind, group_item.target_id, group_item.target_title = "", None, ""


@transaction.atomic
def group_item_add(
    *,
    actor: User,
    group_id: int,
    version: int,
    target_kind: str = "",
    target_id: int | None = None,
    **fields: Any,
) -> GroupItem:
    """A new template item; in a confirmed group it reaches the members' routes (rule 3)."""
    group = _group(group_id, actor)
    services._check_version(group.version, version)
    fields = _clean(fields)
    if not fields.get("task"):
        raise TutornetError(_("Write the task."), field="task")
    group_item = GroupItem(group=group, position=group.items.count() + 1, **fields)
    _set_target(group_item, target_kind, target_id)
    group_item.save()
    _bump_group(group)
    if group.status == GroupRoute.GroupStatus.CONFIRMED:
        for member in group.members.filter(status=GroupMember.MemberStatus.ACTIVE).select_related("teacher"):
            _link_member(member, actor)
    services.audit(actor=actor, action="route_group.item_add", target=group.pk, item=group_item.pk)
    return group_item


def _group_item(item_id: int, actor: User) -> tuple[GroupItem, GroupRoute]:
    group_item = GroupItem.objects.filter(pk=item_id, removed_at__isnull=True).first()
    if group_item is None:
        raise NotFoundError(_("There is no such task."))
    group = _group(group_item.group_id, actor)
    locked = GroupItem.objects.select_for_update().get(pk=item_id)
    return locked, group


@transaction.atomic
def group_item_update(
    *,
    actor: User,
    item_id: int,
    version: int,
    target_kind: str | None = None,
    target_id: int | None = None,
    **fields: Any,
) -> GroupItem:
    """Change a template item; the change reaches the live copies (rule 2)."""
    group_item, group = _group_item(item_id, actor)
    services._check_version(group_item.version, version)
    for name, value in _clean(fields).items():
        setattr(group_item, name, value)
    if target_kind is not None:
        _set_target(group_item, target_kind, target_id)
    group_item.version += 1
    group_item.save()
    _bump_group(group)
    changed = _sync(group_item) if group.status == GroupRoute.GroupStatus.CONFIRMED else 0
    services.audit(
        actor=actor, action="route_group.item_update", target=group.pk, item=group_item.pk, routes=changed
    )
    return group_item


@transaction.atomic
def group_item_remove(*, actor: User, item_id: int, version: int) -> GroupItem:
    """Rule 4: untouched planned copies go; the others stay, detached."""
    group_item, group = _group_item(item_id, actor)
    services._check_version(group_item.version, version)
    group_item.removed_at = timezone.now()
    group_item.version += 1
    group_item.save(update_fields=["removed_at", "version"])
    _bump_group(group)
    links = _live_links(group_item)
    with_evidence = set(
        Evidence.objects.filter(item_id__in=[link.item_id for link in links]).values_list(
            "item_id", flat=True
        )
    )
    routes: set[int] = set()
    for link in links:
        item = link.item
        untouched = _values(item) == link.synced
        routes.add(item.route_id)
        if item.status == PlanItem.ItemStatus.PLANNED and untouched and item.pk not in with_evidence:
            item.delete()  # the link goes with it
        else:
            link.detached_at, link.detached_why = timezone.now(), "removed"
            link.save(update_fields=["detached_at", "detached_why"])
    _bump_routes(routes)
    services.audit(actor=actor, action="route_group.item_remove", target=group.pk, item=group_item.pk)
    return group_item


# --- members --------------------------------------------------------------------------


@transaction.atomic
def group_member_add(*, actor: User, group_id: int, version: int, teacher_id: int) -> GroupMember:
    """Add (or take back) a teacher; in a confirmed group they get the items (rules 5, 6)."""
    group = _group(group_id, actor)
    services._check_version(group.version, version)
    teacher, school_id = _district_teacher(teacher_id)
    member, created = GroupMember.objects.get_or_create(
        group=group, teacher=teacher, defaults={"school_id": school_id}
    )
    if not created:
        if member.status == GroupMember.MemberStatus.ACTIVE:
            raise TutornetError(_("This teacher is already a member of the group."), field="teacher")
        member.status, member.left_at = GroupMember.MemberStatus.ACTIVE, None
        member.save(update_fields=["status", "left_at"])
    _bump_group(group)
    if group.status == GroupRoute.GroupStatus.CONFIRMED:
        member.group = group
        _link_member(member, actor)
    services.audit(actor=actor, action="route_group.member_add", target=group.pk, teacher=teacher.pk)
    return member


def _leave(member: GroupMember, why: str) -> None:
    """Rule 6: the member keeps every item; no later change reaches them."""
    member.status, member.left_at = GroupMember.MemberStatus.LEFT, timezone.now()
    member.save(update_fields=["status", "left_at"])
    member.links.filter(detached_at__isnull=True).update(detached_at=timezone.now(), detached_why=why)


@transaction.atomic
def group_member_remove(*, actor: User, member_id: int) -> GroupMember:
    member = GroupMember.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFoundError(_("There is no such member."))
    group = _group(member.group_id, actor)
    member = GroupMember.objects.select_for_update().get(pk=member_id)
    if member.status != GroupMember.MemberStatus.ACTIVE:
        raise TutornetError(_("This teacher has already left the group."))
    _leave(member, "left")
    _bump_group(group)
    services.audit(
        actor=actor, action="route_group.member_remove", target=group.pk, teacher=member.teacher_id
    )
    return member


@transaction.atomic
def route_unlink(*, actor: User, route_id: int, group_id: int) -> GroupMember:
    """The member's teacher or tutor (or a methodologist) unlinks the route from the group:
    it keeps its copy (rule 6)."""
    route = services._route(route_id, actor)
    if not (permissions.can_edit(actor, route) or permissions.is_methodologist(actor)):
        raise PermissionDeniedError(_("You do not have permission to do this."))
    member = (
        GroupMember.objects.select_for_update()
        .filter(group_id=group_id, route=route, status=GroupMember.MemberStatus.ACTIVE)
        .first()
    )
    if member is None:
        raise NotFoundError(_("This route is not linked to that group."))
    _leave(member, "unlinked")
    services.audit(actor=actor, action="route_group.unlink", target=route.pk, group=group_id)
    return member


@transaction.atomic
def item_detach(*, actor: User, item_id: int) -> GroupItemLink:
    """Rule 7: the member keeps the item as it is; later template changes skip it."""
    item, route = services._item(item_id, actor)
    services._require(permissions.can_edit(actor, route))
    link = GroupItemLink.objects.select_for_update().filter(item=item, detached_at__isnull=True).first()
    if link is None:
        raise TutornetError(_("This task does not come from a group route."))
    link.detached_at, link.detached_why = timezone.now(), "member"
    link.save(update_fields=["detached_at", "detached_why"])
    item.version += 1
    item.save(update_fields=["version"])
    services.audit(actor=actor, action="route_group.detach", target=route.pk, item=item.pk)
    return link
