"""Removing a one-off exception: the slots follow, booked consultations stay, and only the
people who may add an exception may remove it, in their own organisation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Max
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import AuditEvent, Role
from consultations.models import AvailabilityException, Booking, Offering, Slot
from consultations.services import exception_add, exception_delete, slots_generate, weekly_set
from tenants.models import Organisation
from tests.conftest import District, client_for, member
from tutornet.errors import NotFoundError, PermissionDeniedError

from .factories import OfferingFactory, book_slot, tutor_in

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")
# A Sunday noon in Moscow; the next Mondays are 2027-01-04 and 2027-01-11.
NOW = datetime(2027, 1, 3, 12, 0, tzinfo=MOSCOW)
MONDAY, WEDNESDAY = 0, 2
CENTRE = "centre.localhost"


def local(slot: Slot) -> datetime:
    return slot.starts_at.astimezone(MOSCOW)


def active_starts(offering: Offering) -> list[datetime]:
    return [
        local(s) for s in Slot.objects.filter(offering=offering, is_cancelled=False).order_by("starts_at")
    ]


def monday_offering(tutor: object, **fields: object) -> Offering:
    offering = OfferingFactory(tutor=tutor, **fields)
    weekly_set(now=NOW, offering=offering, windows=[(MONDAY, time(10), time(12))], actor=offering.tutor)
    return offering


def slot_rows(offering: Offering) -> list[tuple[int, datetime, bool, int]]:
    return list(
        Slot.objects.filter(offering=offering)
        .order_by("pk")
        .values_list("pk", "starts_at", "is_cancelled", "booked")
    )


# --- the slots follow --------------------------------------------------------------------------


def test_deleting_a_day_off_brings_back_the_very_slots_it_cancelled(centre: Organisation) -> None:
    offering = monday_offering(tutor_in(centre), horizon_days=14)
    slots_generate(offering=offering, organisation=centre, now=NOW)
    day_off = exception_add(
        now=NOW,
        tutor=offering.tutor,
        kind="unavailable",
        date=date(2027, 1, 4),
        offering=offering,
        actor=offering.tutor,
    )
    slots_generate(offering=offering, organisation=centre, now=NOW)
    cancelled = list(Slot.objects.filter(offering=offering, is_cancelled=True).values_list("pk", flat=True))
    assert len(cancelled) == 2

    removed = exception_delete(exception_id=day_off.pk, actor=offering.tutor, now=NOW)

    assert (removed.added, removed.kept) == (2, 0)
    assert not AvailabilityException.objects.filter(pk=day_off.pk).exists()
    assert active_starts(offering) == [
        datetime(2027, 1, 4, 10, tzinfo=MOSCOW),
        datetime(2027, 1, 4, 11, tzinfo=MOSCOW),
        datetime(2027, 1, 11, 10, tzinfo=MOSCOW),
        datetime(2027, 1, 11, 11, tzinfo=MOSCOW),
    ]
    assert not Slot.objects.filter(pk__in=cancelled, is_cancelled=True).exists()  # the same rows, no new ones
    assert Slot.objects.filter(offering=offering).count() == 4
    assert AuditEvent.objects.filter(action="consultations.exception_delete", actor=offering.tutor).exists()


def test_deleting_hours_off_for_all_offerings_brings_back_the_slots_of_each_offering(
    centre: Organisation,
) -> None:
    tutor = tutor_in(centre)
    first = monday_offering(tutor, horizon_days=7)
    second = OfferingFactory(tutor=tutor, horizon_days=7)
    weekly_set(now=NOW, offering=second, windows=[(MONDAY, time(14), time(16))], actor=tutor)
    hours_off = exception_add(
        now=NOW,
        tutor=tutor,
        kind="unavailable",
        date=date(2027, 1, 4),
        starts=time(11),
        ends=time(15),
        actor=tutor,
    )
    for offering in (first, second):
        slots_generate(offering=offering, organisation=centre, now=NOW)
    assert active_starts(first) == [datetime(2027, 1, 4, 10, tzinfo=MOSCOW)]
    assert active_starts(second) == [datetime(2027, 1, 4, 15, tzinfo=MOSCOW)]

    removed = exception_delete(exception_id=hours_off.pk, actor=tutor, now=NOW)

    assert removed.added == 2
    assert active_starts(first) == [
        datetime(2027, 1, 4, 10, tzinfo=MOSCOW),
        datetime(2027, 1, 4, 11, tzinfo=MOSCOW),
    ]
    assert active_starts(second) == [
        datetime(2027, 1, 4, 14, tzinfo=MOSCOW),
        datetime(2027, 1, 4, 15, tzinfo=MOSCOW),
    ]


def test_only_future_slots_within_the_horizon_come_back(centre: Organisation) -> None:
    offering = monday_offering(tutor_in(centre), horizon_days=6)
    today_off = exception_add(
        now=NOW,
        tutor=offering.tutor,
        kind="unavailable",
        date=date(2027, 1, 4),
        offering=offering,
        actor=offering.tutor,
    )
    beyond_off = exception_add(
        now=NOW,
        tutor=offering.tutor,
        kind="unavailable",
        date=date(2027, 1, 11),
        offering=offering,
        actor=offering.tutor,
    )
    monday_late_morning = datetime(2027, 1, 4, 10, 30, tzinfo=MOSCOW)  # 10:00 has begun, 11:00 has not
    slots_generate(offering=offering, organisation=centre, now=monday_late_morning)

    exception_delete(exception_id=beyond_off.pk, actor=offering.tutor, now=monday_late_morning)
    assert active_starts(offering) == []  # 11 January is beyond the six days
    exception_delete(exception_id=today_off.pk, actor=offering.tutor, now=monday_late_morning)
    assert active_starts(offering) == [datetime(2027, 1, 4, 11, tzinfo=MOSCOW)]


def test_deleting_extra_hours_cancels_their_free_slots_and_keeps_the_booked_one(centre: Organisation) -> None:
    offering = monday_offering(tutor_in(centre), horizon_days=7)
    extra = exception_add(
        now=NOW,
        tutor=offering.tutor,
        kind="extra",
        date=date(2027, 1, 6),
        starts=time(15),
        ends=time(17),
        offering=offering,
        actor=offering.tutor,
    )
    slots_generate(offering=offering, organisation=centre, now=NOW)
    booked_slot, free_slot = Slot.objects.filter(
        offering=offering, starts_at__date=date(2027, 1, 6)
    ).order_by("starts_at")
    booking = book_slot(slot=booked_slot)

    removed = exception_delete(exception_id=extra.pk, actor=offering.tutor, now=NOW)

    assert (removed.added, removed.kept) == (0, 1)
    free_slot.refresh_from_db()
    booked_slot.refresh_from_db()
    booking.refresh_from_db()
    assert free_slot.is_cancelled
    assert not booked_slot.is_cancelled and booked_slot.booked == 1
    assert booking.status == Booking.Status.CONFIRMED
    assert active_starts(offering) == [
        datetime(2027, 1, 4, 10, tzinfo=MOSCOW),
        datetime(2027, 1, 4, 11, tzinfo=MOSCOW),
        datetime(2027, 1, 6, 15, tzinfo=MOSCOW),
    ]


# --- who may -----------------------------------------------------------------------------------


def test_another_tutor_and_a_teacher_cannot_delete_an_exception_and_nothing_changes(
    centre: Organisation, district: District
) -> None:
    offering = monday_offering(tutor_in(centre), horizon_days=14)
    tutor = offering.tutor
    own = exception_add(
        now=NOW, tutor=tutor, kind="unavailable", date=date(2027, 1, 4), offering=offering, actor=tutor
    )
    for_all = exception_add(now=NOW, tutor=tutor, kind="unavailable", date=date(2027, 1, 11), actor=tutor)
    slots_generate(offering=offering, organisation=centre, now=NOW)
    before = slot_rows(offering)
    other_tutor = tutor_in(centre)
    teacher = member(district.school_a, Role.TEACHER).user
    methodologist = member(centre, Role.METHODOLOGIST).user

    for intruder in (other_tutor, teacher, methodologist):
        for exception in (own, for_all):
            with pytest.raises(PermissionDeniedError):
                exception_delete(exception_id=exception.pk, actor=intruder, now=NOW)

    assert AvailabilityException.objects.filter(pk__in=[own.pk, for_all.pk]).count() == 2
    assert slot_rows(offering) == before


def test_the_organisations_admin_may_delete_a_tutors_exception(centre: Organisation) -> None:
    offering = monday_offering(tutor_in(centre), horizon_days=7)
    day_off = exception_add(
        now=NOW, tutor=offering.tutor, kind="unavailable", date=date(2027, 1, 4), actor=offering.tutor
    )
    admin = member(centre, Role.CENTRE_ADMIN).user

    exception_delete(exception_id=day_off.pk, actor=admin, now=NOW)

    assert not AvailabilityException.objects.filter(pk=day_off.pk).exists()
    assert len(active_starts(offering)) == 2


def test_another_tutor_cannot_add_a_day_off_for_all_of_someone_elses_offerings(centre: Organisation) -> None:
    tutor, other_tutor = tutor_in(centre), tutor_in(centre)

    with pytest.raises(PermissionDeniedError):
        exception_add(now=NOW, tutor=tutor, kind="unavailable", date=date(2027, 1, 4), actor=other_tutor)

    assert not AvailabilityException.objects.filter(tutor=tutor).exists()


@pytest.mark.parametrize("exception_id", [987654321, "x", None])
def test_an_unknown_exception_is_not_found(centre: Organisation, exception_id: object) -> None:
    with pytest.raises(NotFoundError):
        exception_delete(exception_id=exception_id, actor=tutor_in(centre), now=NOW)


def school1_exception_unknown_to_school2(school1: Organisation, school2: Organisation) -> int:
    """A day off of a school1 mentor, with an id no exception of school2 has (ids are per schema)."""
    highest = 0
    for organisation in (school1, school2):
        with tenant_context(organisation):
            highest = max(highest, AvailabilityException.objects.aggregate(m=Max("pk"))["m"] or 0)
    with tenant_context(school1):
        day_off = AvailabilityException.objects.create(
            pk=highest + 1000, tutor=tutor_in(school1), kind="unavailable", date=date(2027, 1, 4)
        )
    return day_off.pk


def test_a_schools_exception_is_not_found_from_another_school(district: District) -> None:
    school1, school2 = district.school_a, district.school_b
    pk = school1_exception_unknown_to_school2(school1, school2)
    with tenant_context(school2):
        admin = member(school2, Role.SCHOOL_ADMIN).user
        with pytest.raises(NotFoundError):
            exception_delete(exception_id=pk, actor=admin, now=NOW)
    with tenant_context(school1):
        assert AvailabilityException.objects.filter(pk=pk).exists()


# --- the offering page -------------------------------------------------------------------------


def offering_with_a_day_off(organisation: Organisation) -> tuple[Offering, AvailabilityException, date]:
    """An offering with a window on the weekday three days from now, and that day off."""
    now = timezone.now()
    day = timezone.localtime(now, organisation.zone).date() + timedelta(days=3)
    tutor = member(organisation, Role.TUTOR, language="en").user
    offering = OfferingFactory(tutor=tutor, horizon_days=14)
    weekly_set(now=NOW, offering=offering, windows=[(day.weekday(), time(10), time(12))], actor=tutor)
    day_off = exception_add(
        now=NOW, tutor=tutor, kind="unavailable", date=day, offering=offering, actor=tutor
    )
    slots_generate(offering=offering, organisation=organisation, now=now)
    return offering, day_off, day


def slots_on(offering: Offering, day: date, organisation: Organisation) -> list[time]:
    return [
        timezone.localtime(s.starts_at, organisation.zone).time()
        for s in Slot.objects.filter(offering=offering, is_cancelled=False).order_by("starts_at")
        if timezone.localtime(s.starts_at, organisation.zone).date() == day
    ]


def test_the_tutor_deletes_an_exception_on_the_offering_page_and_its_slots_come_back(
    centre: Organisation,
) -> None:
    offering, day_off, day = offering_with_a_day_off(centre)
    client = client_for(offering.tutor, CENTRE)
    page = f"/consultations/offerings/{offering.pk}/"
    url = f"{page}exceptions/{day_off.pk}/delete/"
    assert slots_on(offering, day, centre) == []

    shown = client.get(page).content.decode()
    assert f'action="{url}"' in shown and "data-confirm=" in shown
    assert client.get(url).status_code == 405  # POST only
    response = client.post(url, follow=True)

    assert response.redirect_chain == [(page, 302)]
    assert "The exception is removed and the slots are updated." in response.content.decode()
    assert not AvailabilityException.objects.filter(pk=day_off.pk).exists()
    assert slots_on(offering, day, centre) == [time(10), time(11)]


def test_another_tutor_gets_a_404_and_a_teacher_a_403_and_the_exception_stays(
    centre: Organisation, district: District
) -> None:
    offering, day_off, day = offering_with_a_day_off(centre)
    other_tutor = member(centre, Role.TUTOR, language="en").user
    others_offering = OfferingFactory(tutor=other_tutor)
    teacher = member(district.school_a, Role.TEACHER, language="en").user

    answers = [
        client_for(other_tutor, CENTRE).post(
            f"/consultations/offerings/{offering.pk}/exceptions/{day_off.pk}/delete/"
        ),
        # Through their own offering's address: the exception is not shown there either.
        client_for(other_tutor, CENTRE).post(
            f"/consultations/offerings/{others_offering.pk}/exceptions/{day_off.pk}/delete/"
        ),
        client_for(teacher, CENTRE).post(
            f"/consultations/offerings/{offering.pk}/exceptions/{day_off.pk}/delete/"
        ),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 403]
    assert AvailabilityException.objects.filter(pk=day_off.pk).exists()
    assert slots_on(offering, day, centre) == []


def test_a_schools_exception_id_is_not_found_on_another_schools_site(district: District) -> None:
    school1, school2 = district.school_a, district.school_b
    pk = school1_exception_unknown_to_school2(school1, school2)
    with tenant_context(school2):
        mentor2 = member(school2, Role.TUTOR, language="en").user
        offering2 = OfferingFactory(tutor=mentor2)
        response = client_for(mentor2, district.host(school2)).post(
            f"/consultations/offerings/{offering2.pk}/exceptions/{pk}/delete/"
        )

    assert response.status_code == 404
    with tenant_context(school1):
        assert AvailabilityException.objects.filter(pk=pk).exists()


# --- no gap between a change and its slots -------------------------------------------------------


def test_a_day_off_is_not_bookable_the_moment_it_is_saved(centre: Organisation, district: District) -> None:
    """``exception_add`` cancels the day's free slots in its own transaction: a teacher who books
    right after it (where the pages used to regenerate in a second transaction) is refused."""
    from consultations.errors import BookingClosedError
    from consultations.services import booking_create

    from .factories import teacher_in

    tutor = tutor_in(centre)
    offering = OfferingFactory(tutor=tutor, min_notice_hours=0, horizon_days=14)
    weekly_set(offering=offering, windows=[(d, time(10), time(12)) for d in range(7)], actor=tutor)
    slot = Slot.objects.filter(offering=offering, is_cancelled=False).order_by("starts_at").last()
    assert slot is not None
    day = timezone.localtime(slot.starts_at, centre.zone).date()

    exception_add(tutor=tutor, kind="unavailable", date=day, reason="Курсы", actor=tutor)
    with pytest.raises(BookingClosedError):
        booking_create(
            slot_id=slot.pk,
            teacher=teacher_in(district.school_a),
            teacher_organisation=district.school_a,
            question="Вопрос",
        )

    slot.refresh_from_db()
    assert slot.is_cancelled and slot.booked == 0
