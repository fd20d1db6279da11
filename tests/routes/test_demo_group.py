"""The demo's group route, built through the services from a campaign's final results (the
test's small campaign, not the whole demo): teachers of several schools sharing a deficit,
the tutor, confirmed, its tasks in each member's route; seeding again adds nothing."""

from __future__ import annotations

from tests.diagnostics_campaigns.helpers import Cast
from tutorials.routes.demo import group_route_seed
from tutorials.routes.models import Route
from tutorials.routes.models_groups import GroupItemLink, GroupMember, GroupRoute

from .results import district_results


def test_the_demo_group_route_spans_schools_and_reaches_each_members_route(cast: Cast) -> None:
    campaign = district_results(cast)
    methodologist, tutor = cast.user("methodologist"), cast.user("tutor")
    group = group_route_seed(campaign=campaign, methodologist=methodologist, tutor=tutor)
    assert group is not None and group.status == GroupRoute.GroupStatus.CONFIRMED
    # 2.1 «Уравнения» is a deficit of teacher, teacher2 (school A) and teacher_b (school B).
    assert [t.code for t in group.topics.all()] == ["2.1"]
    assert list(group.tutors.all()) == [tutor]
    members = GroupMember.objects.filter(group=group)
    assert {m.teacher_id for m in members} == {cast.user(w).pk for w in ("teacher", "teacher2", "teacher_b")}
    assert {m.school_id for m in members} == {cast.district.school_a.pk, cast.district.school_b.pk}
    for member in members:
        route = Route.objects.get(teacher_id=member.teacher_id, academic_year=campaign.academic_year)
        assert GroupItemLink.objects.filter(item__route=route, group_item__group=group).count() == 1
    assert group_route_seed(campaign=campaign, methodologist=methodologist, tutor=tutor) is None
    assert GroupRoute.objects.count() == 1
