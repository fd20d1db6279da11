"""``district_membership_for`` caches a centre's answer: it must never outlive a change of access."""

from __future__ import annotations

import pytest
from django.db.models import F

from accounts import services
from accounts.models import Membership, Role, User
from accounts.selectors import district_membership_for
from tests.conftest import District, member

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The person as the next request reads them."""
    return User.objects.get(pk=user.pk)


def test_the_second_lookup_of_a_schools_teacher_on_the_centre_asks_nothing(
    district: District, django_assert_num_queries: object
) -> None:
    teacher = member(district.school_a).user
    first = district_membership_for(fresh(teacher), district.centre)
    assert first is not None and first.organisation == district.school_a
    again = fresh(teacher)
    with django_assert_num_queries(0):  # type: ignore[operator]
        second = district_membership_for(again, district.centre)
    assert second is not None and second.pk == first.pk and second.role == Role.TEACHER
    # Each caller gets its own copy, carrying its own person object.
    assert second is not first and second.user is again and first.user is not again


def test_closing_the_school_membership_refuses_the_centre_from_the_next_request(district: District) -> None:
    teacher_membership = member(district.school_a)
    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    teacher = teacher_membership.user
    assert district_membership_for(fresh(teacher), district.centre) is not None
    services.membership_set_active(
        membership_id=teacher_membership.pk, active=False, actor=admin.user, actor_membership=admin
    )
    assert district_membership_for(fresh(teacher), district.centre) is None
    # Even the old object of the person (this process dropped their entries).
    assert district_membership_for(teacher, district.centre) is None


def test_a_change_made_by_another_process_is_seen_through_the_access_generation(district: District) -> None:
    teacher_membership = member(district.school_a)
    teacher = teacher_membership.user
    assert district_membership_for(fresh(teacher), district.centre) is not None
    generation = fresh(teacher).access_generation
    # Another process closes the access: its receiver raised the generation in the database,
    # but could not touch this process's cache (so no signal here).
    Membership.objects.filter(pk=teacher_membership.pk).update(is_active=False)
    User.objects.filter(pk=teacher.pk).update(access_generation=F("access_generation") + 1)
    assert fresh(teacher).access_generation == generation + 1
    assert district_membership_for(fresh(teacher), district.centre) is None


def test_every_membership_change_raises_the_persons_generation(district: District) -> None:
    teacher_membership = member(district.school_a)
    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    teacher = teacher_membership.user
    before = fresh(teacher).access_generation
    services.membership_change(
        membership_id=teacher_membership.pk, role=Role.TUTOR, actor=admin.user, actor_membership=admin
    )
    assert fresh(teacher).access_generation == before + 1
    found = district_membership_for(fresh(teacher), district.centre)
    assert found is not None and found.role == Role.TUTOR
    Membership.objects.create(user=teacher, organisation=district.centre, role=Role.METHODOLOGIST)
    assert fresh(teacher).access_generation == before + 2
    # The own membership at the centre now comes first.
    own = district_membership_for(fresh(teacher), district.centre)
    assert own is not None and own.organisation == district.centre and own.role == Role.METHODOLOGIST


def test_a_closed_school_is_refused_at_once_in_this_process(district: District) -> None:
    teacher = member(district.school_b).user
    assert district_membership_for(fresh(teacher), district.centre) is not None
    district.school_b.is_active = False
    district.school_b.save(update_fields=["is_active"])
    try:
        assert district_membership_for(fresh(teacher), district.centre) is None
    finally:
        district.school_b.is_active = True
        district.school_b.save(update_fields=["is_active"])
    assert district_membership_for(fresh(teacher), district.centre) is not None
