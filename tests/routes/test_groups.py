"""Group routes: the builder's rule, the sync rules between the template and the members'
routes (each rule of ``tutorials.routes.groups``), who may do what, and the pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from tests.conftest import client_for, member
from tests.diagnostics_campaigns.helpers import Cast
from tutorials.diagnostics.campaigns.models import Campaign
from tutorials.routes import group_builder, groups, services
from tutorials.routes.errors import StaleVersionError
from tutorials.routes.models import PlanItem, Route, Status
from tutorials.routes.models_groups import GroupItemLink, GroupMember, GroupRoute
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError

from .helpers import approved, step
from .results import district_results

MEMBERS = ("teacher", "teacher2", "teacher_b")


def _build(
    cast: Cast, campaign: Campaign, *, confirm: bool = True, who: tuple[str, ...] = MEMBERS
) -> GroupRoute:
    methodologist = cast.user("methodologist")
    group = groups.group_create(
        actor=methodologist,
        title="Уравнения",
        academic_year_id=campaign.academic_year_id,
        subject_id=campaign.subject_id,
        topic_ids=[cast.topics["2.1"].pk],
        teacher_ids=[cast.user(w).pk for w in who],
        campaign_id=campaign.pk,
    )
    groups.group_set_tutors(
        actor=methodologist, group_id=group.pk, version=group.version, tutor_ids=[cast.user("tutor").pk]
    )
    group.refresh_from_db()
    if confirm:
        group = groups.group_confirm(actor=methodologist, group_id=group.pk, version=group.version)
    return group


def _copy(cast: Cast, who: str) -> PlanItem:
    return PlanItem.objects.get(route__teacher=cast.user(who), group_link__isnull=False)


def _change(cast: Cast, group: GroupRoute, **fields: object) -> None:
    item = group.items.get(removed_at__isnull=True)
    groups.group_item_update(
        actor=cast.user("methodologist"), item_id=item.pk, version=item.version, **fields
    )


# --- the builder ---------------------------------------------------------------------


def test_candidates_share_k_topics_with_a_minimum_size_across_schools(cast: Cast) -> None:
    campaign = district_results(cast)
    found = group_builder.candidates(campaign)
    # 2.1 and 3.1 are deficits of three teachers from two schools; 1.1 and 1.2 of two only.
    assert [c.title for c in found] == ["Уравнения", "Функции"]
    assert set(found[0].teacher_ids) == {cast.user(w).pk for w in MEMBERS}
    assert found[0].school_ids == {cast.district.school_a.pk, cast.district.school_b.pk}
    pairs = group_builder.candidates(campaign, k=2)
    assert [c.topic_ids for c in pairs] == [[cast.topics["2.1"].pk, cast.topics["3.1"].pk]]
    assert len(group_builder.candidates(campaign, min_size=2)) == 4
    assert group_builder.candidates(campaign, min_size=4) == []


def test_confirming_copies_the_items_marked_as_from_the_group(cast: Cast) -> None:
    campaign = district_results(cast)
    done_before = approved(cast, "teacher2")  # teacher2's route of the year, completed below
    step(done_before, cast.user("teacher2"), Status.ACTIVE)
    step(done_before, cast.user("tutor"), Status.COMPLETED)
    group = _build(cast, campaign, confirm=False)
    item = group.items.get()
    # Seeded from the proposals' ranking: nothing on offer but the Help Hour, which is no object.
    assert (item.topic_id, item.target_kind) == (cast.topics["2.1"].pk, "")
    assert not PlanItem.objects.filter(group_link__isnull=False).exists()
    groups.group_confirm(actor=cast.user("methodologist"), group_id=group.pk, version=group.version)
    for who in ("teacher", "teacher_b"):
        copy = _copy(cast, who)
        assert copy.task == item.task and copy.why == "From the group route «Уравнения»"
        assert copy.route.status == Status.DRAFT and copy.route.tutor == cast.user("tutor")
    # A completed route is a frozen snapshot: it gets nothing.
    assert not done_before.items.filter(group_link__isnull=False).exists()
    assert GroupMember.objects.get(group=group, teacher=cast.user("teacher2")).route_id == done_before.pk


def test_a_template_change_reaches_untouched_copies_and_keeps_the_members_edits(cast: Cast) -> None:
    group = _build(cast, district_results(cast))
    mine = _copy(cast, "teacher")
    services.item_update(
        actor=cast.user("teacher"), item_id=mine.pk, version=mine.version, task="Моя формулировка"
    )
    _change(cast, group, task="Семинар по уравнениям", deadline=date(2027, 3, 1))
    mine.refresh_from_db()
    theirs = _copy(cast, "teacher_b")
    # The member's own field stays; the field they did not touch follows the template.
    assert (mine.task, mine.deadline) == ("Моя формулировка", date(2027, 3, 1))
    assert (theirs.task, theirs.deadline) == ("Семинар по уравнениям", date(2027, 3, 1))
    # The status is the member's own: never synced.
    assert mine.status == theirs.status == PlanItem.ItemStatus.PLANNED


def test_done_dropped_and_completed_copies_are_not_changed(cast: Cast) -> None:
    group = _build(cast, district_results(cast))
    done = _copy(cast, "teacher")
    services.item_update(actor=cast.user("teacher"), item_id=done.pk, version=done.version, status="done")
    dropped = _copy(cast, "teacher_b")
    services.item_update(
        actor=cast.user("teacher_b"), item_id=dropped.pk, version=dropped.version, status="dropped"
    )
    frozen = _copy(cast, "teacher2").route
    for target, actor in (
        (Status.SUBMITTED, "teacher2"),
        (Status.AGREED, "tutor"),
        (Status.APPROVED, "admin_a"),
        (Status.ACTIVE, "teacher2"),
        (Status.COMPLETED, "tutor"),
    ):
        step(frozen, cast.user(actor), target)
    _change(cast, group, task="Новая формулировка")
    for who in MEMBERS:
        assert _copy(cast, who).task == "Group work on “Уравнения”", who


def test_a_stale_member_form_is_refused_after_a_sync(cast: Cast) -> None:
    group = _build(cast, district_results(cast))
    opened = _copy(cast, "teacher")
    _change(cast, group, task="Семинар")
    with pytest.raises(StaleVersionError):
        services.item_update(actor=cast.user("teacher"), item_id=opened.pk, version=opened.version, task="x")
    assert _copy(cast, "teacher").task == "Семинар"


def test_a_new_template_item_reaches_every_active_member(cast: Cast) -> None:
    group = _build(cast, district_results(cast))
    groups.group_item_add(
        actor=cast.user("methodologist"), group_id=group.pk, version=group.version, task="Открытый урок"
    )
    for who in MEMBERS:
        route = Route.objects.get(teacher=cast.user(who))
        assert list(route.items.values_list("task", flat=True))[-1] == "Открытый урок"


def test_a_removed_template_item_goes_where_untouched_and_stays_detached_elsewhere(cast: Cast) -> None:
    group = _build(cast, district_results(cast))
    started = _copy(cast, "teacher")
    services.item_update(
        actor=cast.user("teacher"), item_id=started.pk, version=started.version, status="in_progress"
    )
    item = group.items.get()
    groups.group_item_remove(actor=cast.user("methodologist"), item_id=item.pk, version=item.version)
    assert not Route.objects.get(teacher=cast.user("teacher_b")).items.exists()
    started.refresh_from_db()
    assert started.group_link.detached_why == "removed"
    assert group_builder.items_of(group) == []


def test_a_member_who_leaves_keeps_what_they_did_and_no_longer_follows(cast: Cast) -> None:
    group = _build(cast, district_results(cast))
    mine = _copy(cast, "teacher")
    services.item_update(actor=cast.user("teacher"), item_id=mine.pk, version=mine.version, status="done")
    leaving = GroupMember.objects.get(group=group, teacher=cast.user("teacher"))
    groups.group_member_remove(actor=cast.user("methodologist"), member_id=leaving.pk)
    _change(cast, group, task="После ухода")
    mine.refresh_from_db()
    assert mine.status == "done" and mine.task == "Group work on “Уравнения”"
    assert mine.group_link.detached_why == "left"
    # Taken back: only the items they have no copy of are copied.
    group.refresh_from_db()
    groups.group_item_add(
        actor=cast.user("methodologist"), group_id=group.pk, version=group.version, task="Мастер-класс"
    )
    group.refresh_from_db()
    groups.group_member_add(
        actor=cast.user("methodologist"),
        group_id=group.pk,
        version=group.version,
        teacher_id=mine.route.teacher_id,
    )
    tasks = list(mine.route.items.values_list("task", flat=True))
    assert tasks == ["Group work on “Уравнения”", "Мастер-класс"]


def test_a_member_added_later_gets_the_current_items(cast: Cast) -> None:
    group = _build(cast, district_results(cast), who=("teacher", "teacher_b"))
    _change(cast, group, task="Текущая формулировка")
    group.refresh_from_db()
    groups.group_member_add(
        actor=cast.user("methodologist"),
        group_id=group.pk,
        version=group.version,
        teacher_id=cast.user("teacher2").pk,
    )
    assert _copy(cast, "teacher2").task == "Текущая формулировка"


def test_detaching_an_item_and_unlinking_a_route_keep_the_copy(cast: Cast) -> None:
    group = _build(cast, district_results(cast))
    mine = _copy(cast, "teacher")
    with pytest.raises(NotFoundError):  # another school's teacher does not see the route
        groups.item_detach(actor=cast.user("teacher_b"), item_id=mine.pk)
    with pytest.raises(PermissionDeniedError):  # the school's admin sees it but does not edit it
        groups.item_detach(actor=cast.user("admin_a"), item_id=mine.pk)
    groups.item_detach(actor=cast.user("teacher"), item_id=mine.pk)
    with pytest.raises(TutornetError, match="does not come from a group"):
        groups.item_detach(actor=cast.user("teacher"), item_id=mine.pk)
    theirs = _copy(cast, "teacher_b")
    with pytest.raises(NotFoundError):  # another school's teacher does not even see the route
        groups.route_unlink(actor=cast.user("teacher"), route_id=theirs.route_id, group_id=group.pk)
    groups.route_unlink(actor=cast.user("teacher_b"), route_id=theirs.route_id, group_id=group.pk)
    _change(cast, group, task="Позже")
    assert _copy(cast, "teacher").task == _copy(cast, "teacher_b").task == "Group work on “Уравнения”"
    assert _copy(cast, "teacher2").task == "Позже"
    assert GroupMember.objects.get(group=group, teacher=cast.user("teacher_b")).status == "left"


# --- who may do what -------------------------------------------------------------------


def test_only_a_methodologist_of_this_centre_builds_and_changes_groups(cast: Cast) -> None:
    campaign = district_results(cast)
    for who in ("tutor", "teacher", "admin_a"):
        with pytest.raises(PermissionDeniedError):
            groups.group_create(
                actor=cast.user(who),
                title="x",
                academic_year_id=campaign.academic_year_id,
                subject_id=campaign.subject_id,
                topic_ids=[],
                teacher_ids=[],
            )
    group = _build(cast, campaign)
    item = group.items.get()
    # The group's tutor sees it but may not change it; others do not even see it.
    with pytest.raises(PermissionDeniedError):
        groups.group_item_update(actor=cast.user("tutor"), item_id=item.pk, version=item.version, task="x")
    with pytest.raises(NotFoundError):
        groups.group_item_update(
            actor=cast.user("other_tutor"), item_id=item.pk, version=item.version, task="x"
        )
    with pytest.raises(StaleVersionError):
        groups.group_item_update(
            actor=cast.user("methodologist"), item_id=item.pk, version=item.version - 1, task="x"
        )


def test_only_teachers_of_the_districts_schools_can_be_members(cast: Cast) -> None:
    campaign = district_results(cast)
    group = _build(cast, campaign, confirm=False)
    for outsider in (cast.user("tutor"), member(cast.district.centre, Role.METHODOLOGIST).user):
        with pytest.raises(TutornetError, match="not a teacher of a school of the district"):
            groups.group_member_add(
                actor=cast.user("methodologist"),
                group_id=group.pk,
                version=group.version,
                teacher_id=outsider.pk,
            )
    with pytest.raises(TutornetError, match="already a member"):
        groups.group_member_add(
            actor=cast.user("methodologist"),
            group_id=group.pk,
            version=group.version,
            teacher_id=cast.user("teacher").pk,
        )
    assert group.members.count() == 3


def test_bad_template_input_says_what_and_writes_nothing(cast: Cast) -> None:
    group = _build(cast, district_results(cast), confirm=False)
    methodologist = cast.user("methodologist")
    with pytest.raises(TutornetError, match="Write the task"):
        groups.group_item_add(actor=methodologist, group_id=group.pk, version=group.version, task=" ")
    with pytest.raises(TutornetError, match="no such object"):
        groups.group_item_add(
            actor=methodologist,
            group_id=group.pk,
            version=group.version,
            task="t",
            target_kind="tutorial",
            target_id=999999,
        )
    assert group.items.count() == 1
    empty = groups.group_create(
        actor=methodologist,
        title="Пусто",
        academic_year_id=cast.year.pk,
        subject_id=cast.subject.pk,
        topic_ids=[],
        teacher_ids=[],
    )
    with pytest.raises(TutornetError, match="at least one item"):
        groups.group_confirm(actor=methodologist, group_id=empty.pk, version=empty.version)


# --- the pages ----------------------------------------------------------------------------


def _client(cast: Cast, who: str, organisation=None):  # type: ignore[no-untyped-def]
    return client_for(cast.user(who), cast.district.host(organisation or cast.district.centre))


def test_who_sees_the_group_pages(cast: Cast) -> None:
    group = _build(cast, district_results(cast))
    path = f"/routes/groups/{group.pk}/"
    assert _client(cast, "methodologist").get(path).status_code == 200
    assert _client(cast, "tutor").get(path).status_code == 200
    for who in ("teacher", "teacher_b", "admin_a", "other_tutor"):
        assert _client(cast, who).get(path).status_code == 404, who
    assert _client(cast, "teacher").get("/routes/groups/").status_code == 403
    # The tutor's POST is refused, the group unchanged.
    response = _client(cast, "tutor").post(f"{path}do/", {"action": "confirm", "version": group.version})
    assert response.status_code == 403
    # A school's site is another schema: the centre's groups are not there.
    assert _client(cast, "methodologist", cast.district.school_a).get(path).status_code in (403, 404)


def test_the_member_sees_the_group_mark_on_their_route_and_detaches_by_the_page(cast: Cast) -> None:
    group = _build(cast, district_results(cast))
    copy = _copy(cast, "teacher")
    client = _client(cast, "teacher")
    page = client.get(f"/routes/{copy.route_id}/").content.decode()
    assert "из группового маршрута «Уравнения»" in page
    client.post(f"/routes/{copy.route_id}/items/{copy.pk}/detach/")
    assert GroupItemLink.objects.get(item=copy).detached_why == "member"
    client.post(f"/routes/{copy.route_id}/unlink/", {"group": group.pk})
    assert GroupMember.objects.get(group=group, teacher=cast.user("teacher")).status == "left"


def test_the_builder_page_from_a_campaign_to_a_confirmed_group(cast: Cast) -> None:
    campaign = district_results(cast)
    client = _client(cast, "methodologist")
    page = client.get(f"/routes/groups/?campaign={campaign.pk}").content.decode()
    assert "Уравнения" in page and "3 учителя" in page and "из 2 школ" in page
    data = {
        "campaign": campaign.pk,
        "title": "Уравнения",
        "topic": [cast.topics["2.1"].pk],
        "teacher": [cast.user(w).pk for w in MEMBERS],
    }
    response = client.post("/routes/groups/new/", data)
    group = GroupRoute.objects.get(campaign_id=campaign.pk)
    assert response["Location"] == f"/routes/groups/{group.pk}/"
    client.post(
        f"/routes/groups/{group.pk}/do/",
        {"action": "item-add", "version": group.version, "task": "Тьюториал"},
    )
    group.refresh_from_db()
    client.post(f"/routes/groups/{group.pk}/do/", {"action": "confirm", "version": group.version})
    group.refresh_from_db()
    assert group.status == "confirmed"
    assert Route.objects.get(teacher=cast.user("teacher_b")).items.count() == 2
    # A stale form is a message, not a 500 and not an overwrite.
    stale = client.post(
        f"/routes/groups/{group.pk}/do/", {"action": "item-add", "version": 1, "task": "x"}, follow=True
    )
    assert stale.status_code == 200 and "кто-то другой изменил" in stale.content.decode()


def test_the_group_list_queries_do_not_grow_with_groups_or_members(cast: Cast) -> None:
    campaign = district_results(cast)
    _build(cast, campaign, who=("teacher",))
    client = _client(cast, "methodologist")
    client.get("/routes/groups/")
    with CaptureQueriesContext(connection) as few:
        client.get("/routes/groups/")
    _build(cast, campaign)
    _build(cast, campaign, who=("teacher2", "teacher_b"))
    with CaptureQueriesContext(connection) as more:
        page = client.get("/routes/groups/").content.decode()
    assert page.count('href="/routes/groups/') == 3
    assert len(more) == len(few)


def test_the_group_api_shows_a_group_only_to_those_who_may_see_it(cast: Cast) -> None:
    from rest_framework.test import APIClient

    group = _build(cast, district_results(cast))

    def api(who: str) -> APIClient:
        client = APIClient(HTTP_HOST=cast.district.host(cast.district.centre))
        client.force_authenticate(cast.user(who))
        return client

    listed = api("methodologist").get("/api/routes/groups/").json()
    mine = next(g for g in listed if g["id"] == group.pk)
    assert (mine["member_count"], mine["school_count"], mine["item_count"]) == (3, 2, 1)
    detail = api("tutor").get(f"/api/routes/groups/{group.pk}/").json()
    assert detail["topic_ids"] == [cast.topics["2.1"].pk]
    assert {m["teacher_id"] for m in detail["members"]} == {cast.user(w).pk for w in MEMBERS}
    assert api("teacher").get("/api/routes/groups/").json() == []
    for who in ("teacher", "admin_b", "other_tutor"):
        assert api(who).get(f"/api/routes/groups/{group.pk}/").status_code == 404, who


def test_the_builder_reads_a_fixed_number_of_statements_whatever_the_teachers(cast: Cast) -> None:
    from tests.diagnostics_campaigns.helpers import WRONG
    from tests.diagnostics_campaigns.test_results import _take

    campaign = district_results(cast, close=False)
    with CaptureQueriesContext(connection) as few:
        group_builder.candidates(campaign)
    for n in range(3):
        extra = member(cast.district.school_b, Role.TEACHER)
        extra.subjects.add(cast.subject)
        setattr(cast, f"extra{n}", extra)
        _take(cast, campaign, f"extra{n}", WRONG)
    with CaptureQueriesContext(connection) as more:
        found = group_builder.candidates(campaign)
    assert [len(c.teacher_ids) for c in found[:2]] == [6, 6]
    assert len(more) == len(few) <= 6
