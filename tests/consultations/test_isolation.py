"""Isolation: each organisation's consultations stay in its schema, a teacher sees only
their own bookings, and the permission predicates say who may do what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from accounts.models import Membership, Role
from accounts.selectors import district_membership_for
from consultations import permissions, selectors
from consultations.models import Booking, Offering, Slot
from consultations.services import booking_create
from tenants.models import Organisation
from tests.conftest import District, member

from .factories import OfferingFactory, SlotFactory, book_slot, teacher_in, tutor_in

pytestmark = pytest.mark.django_db


def test_a_centre_booking_is_invisible_from_a_schools_schema(district: District) -> None:
    with tenant_context(district.centre):
        slot = SlotFactory(offering=OfferingFactory(tutor=tutor_in(district.centre)))
        booking = booking_create(
            slot_id=slot.pk,
            teacher=teacher_in(district.school_b),
            teacher_organisation=district.school_b,
            question="Q",
        )

    with schema_context(district.school_b.schema_name):
        assert not Booking.objects.filter(pk=booking.pk, question="Q", slot_id=slot.pk).exists()
        assert not Slot.objects.filter(tutor_id=slot.tutor_id).exists()
        assert not selectors.teacher_bookings(teacher=booking.teacher).exists()
    with schema_context(district.centre.schema_name):
        assert list(selectors.teacher_bookings(teacher=booking.teacher)) == [booking]


def test_a_schools_own_consultations_stay_inside_that_school(district: District) -> None:
    with tenant_context(district.school_a):
        mentor = tutor_in(district.school_a)
        offering = OfferingFactory(tutor=mentor)
        slot = SlotFactory(offering=offering)
        teacher = teacher_in(district.school_a)
        booking = booking_create(
            slot_id=slot.pk, teacher=teacher, teacher_organisation=district.school_a, question="Q"
        )
        assert list(selectors.free_slots(now=timezone.now(), tutor_id=mentor.pk)) == []
        assert list(selectors.teacher_bookings(teacher=teacher)) == [booking]

    for other in (district.school_b, district.centre):
        with schema_context(other.schema_name):
            assert not Offering.objects.filter(tutor=mentor).exists()
            assert not Slot.objects.filter(tutor=mentor).exists()
            assert not selectors.teacher_bookings(teacher=teacher).exists()


def test_selectors_give_a_teacher_only_their_bookings_and_a_tutor_only_theirs(
    centre: Organisation, district: District
) -> None:
    tutor, other_tutor = tutor_in(centre), tutor_in(centre)
    mine = book_slot(slot=SlotFactory(offering=OfferingFactory(tutor=tutor)))
    theirs = book_slot(slot=SlotFactory(offering=OfferingFactory(tutor=other_tutor)))
    cancelled = book_slot(
        slot=SlotFactory(
            offering=OfferingFactory(tutor=tutor), starts_at=mine.starts_at + timedelta(hours=2)
        ),
        status="cancelled",
    )
    today = timezone.localdate(timezone.now(), centre.zone)

    assert list(selectors.teacher_bookings(teacher=mine.teacher)) == [mine]
    assert list(selectors.teacher_bookings(teacher=theirs.teacher)) == [theirs]
    calendar = list(selectors.tutor_calendar(tutor=tutor, date_from=today, date_to=today + timedelta(days=7)))
    assert calendar == [mine]
    assert cancelled not in calendar
    assert calendar[0].question == mine.question
    assert (
        list(selectors.tutor_calendar(tutor=tutor, date_from=date(2000, 1, 1), date_to=date(2000, 1, 2)))
        == []
    )


def test_only_the_teacher_and_the_slots_tutor_can_see_a_booking(
    centre: Organisation, district: District
) -> None:
    booking = book_slot(
        slot=SlotFactory(offering=OfferingFactory(tutor=tutor_in(centre))),
        teacher=teacher_in(district.school_a),
    )

    assert permissions.can_see_booking(booking.teacher, booking)
    assert permissions.can_see_booking(booking.slot.tutor, booking)
    assert not permissions.can_see_booking(teacher_in(district.school_a), booking)
    assert not permissions.can_see_booking(tutor_in(centre), booking)
    assert not permissions.can_see_booking(member(centre, Role.METHODOLOGIST).user, booking)
    assert not permissions.can_see_booking(AnonymousUser(), booking)


def test_teachers_of_the_centres_schools_can_use_its_consultations_and_nobody_else(
    centre: Organisation, district: District
) -> None:
    school_teacher = teacher_in(district.school_a)
    random_user = member(district.school_a, Role.TEACHER).user
    Membership.objects.filter(user=random_user).delete()
    # A teacher of a school of another centre (never saved: the predicates only read it).
    other_centre = Organisation(kind="centre", schema_name="other_centre", short_name="ЦРО-2", is_active=True)
    other_school = Organisation(
        kind="school", schema_name="other_school", short_name="Школа-2", centre=other_centre, is_active=True
    )
    outsider = member(district.school_a, Role.TEACHER).user
    foreign = Membership(user=outsider, organisation=other_school, role=Role.TEACHER, is_active=True)

    assert permissions.can_use(district_membership_for(school_teacher, centre))
    assert permissions.can_use(district_membership_for(member(centre, Role.TUTOR).user, centre))
    assert not permissions.can_use(district_membership_for(random_user, centre))
    assert not permissions.can_use(None)
    assert not permissions.can_use(foreign)
    inactive = member(district.school_b, Role.TEACHER)
    inactive.is_active = False
    assert not permissions.can_use(inactive)


def test_a_school_teacher_cannot_use_another_schools_consultations(district: District) -> None:
    teacher_b = teacher_in(district.school_b)
    with tenant_context(district.school_a):
        assert district_membership_for(teacher_b, district.school_a) is None
        assert not permissions.can_use(district_membership_for(teacher_b, district.school_a))
        # Nor can the school's membership be used directly on another school's host.
        assert not permissions.can_use(Membership.objects.get(user=teacher_b))


def test_a_schools_tutor_is_no_tutor_of_the_centre(centre: Organisation, district: District) -> None:
    school_tutor = member(district.school_a, Role.TUTOR)
    centre_tutor = member(centre, Role.TUTOR)
    offering = OfferingFactory(tutor=centre_tutor.user)

    assert permissions.is_tutor(centre_tutor)
    assert not permissions.is_tutor(school_tutor)
    assert permissions.can_use(school_tutor)  # but may book the centre's consultations
    assert permissions.can_manage_offering(centre_tutor, offering)
    assert permissions.can_manage_offering(centre_tutor, None)
    assert not permissions.can_manage_offering(member(centre, Role.TUTOR), offering)
    assert not permissions.can_manage_offering(school_tutor, None)
    assert permissions.can_manage_offering(member(centre, Role.CENTRE_ADMIN), offering)
    assert not permissions.can_manage_offering(member(district.school_a, Role.SCHOOL_ADMIN), offering)


def test_centre_staff_and_tutors_see_ratings_teachers_do_not(
    centre: Organisation, district: District
) -> None:
    assert permissions.can_see_ratings(member(centre, Role.METHODOLOGIST))
    assert permissions.can_see_all_ratings(member(centre, Role.CENTRE_ADMIN))
    tutor = member(centre, Role.TUTOR)
    assert permissions.can_see_ratings(tutor) and not permissions.can_see_all_ratings(tutor)
    assert not permissions.can_see_ratings(member(district.school_a, Role.TEACHER))
    assert not permissions.can_see_ratings(member(district.school_a, Role.SCHOOL_ADMIN))  # not in the centre
    assert not permissions.can_see_ratings(None)
