"""Weekly windows and one-off exceptions, in the organisation's time zone, become slots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from consultations.models import AvailabilityException, Offering, Slot, WeeklyAvailability
from consultations.services import exception_add, offering_save, slots_generate, weekly_set
from tenants.models import Organisation
from tests.conftest import District, member
from tests.factories import SubjectFactory
from tutornet.errors import PermissionDeniedError, TutornetError

from .factories import OfferingFactory, SlotFactory, book_slot, tutor_in

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")
# A Sunday noon in Moscow; the next Mondays are 2027-01-04, 11, 18, 25 and 2027-02-01.
NOW = datetime(2027, 1, 3, 12, 0, tzinfo=MOSCOW)
MONDAY = 0


@pytest.fixture
def centre(district: District) -> Iterator[Organisation]:
    assert district.centre.time_zone == "Europe/Moscow"
    with tenant_context(district.centre):
        yield district.centre


def local(slot: Slot) -> datetime:
    return slot.starts_at.astimezone(MOSCOW)


def active_slots(offering: Offering) -> list[Slot]:
    return list(Slot.objects.filter(offering=offering, is_cancelled=False).order_by("starts_at"))


def offering_with_monday_window(centre: Organisation, **fields: object) -> Offering:
    offering = OfferingFactory(tutor=tutor_in(centre), **fields)
    weekly_set(now=NOW, offering=offering, windows=[(MONDAY, time(10), time(12))], actor=offering.tutor)
    return offering


def test_a_weekly_window_gives_slots_of_the_set_length_separated_by_the_buffer_in_local_time(
    centre: Organisation,
) -> None:
    # Setting the window generates the slots in the same transaction (``weekly_set``).
    offering = offering_with_monday_window(centre, slot_minutes=45, buffer_minutes=15, horizon_days=28)

    slots = active_slots(offering)
    assert len(slots) == 8  # four Mondays within 28 days, two slots each
    assert {(local(s).time(), (s.ends_at - s.starts_at)) for s in slots} == {
        (time(10, 0), timedelta(minutes=45)),
        (time(11, 0), timedelta(minutes=45)),
    }
    assert sorted({local(s).date() for s in slots}) == [
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]
    assert all(s.capacity == 1 and s.tutor_id == offering.tutor_id for s in slots)


def test_a_longer_buffer_leaves_fewer_slots_in_the_same_window(centre: Organisation) -> None:
    offering = offering_with_monday_window(centre, slot_minutes=30, buffer_minutes=30, horizon_days=7)

    slots_generate(offering=offering, organisation=centre, now=NOW)

    assert [local(s).time() for s in active_slots(offering)] == [time(10), time(11)]


def test_slots_are_made_only_up_to_the_booking_horizon(centre: Organisation) -> None:
    offering = offering_with_monday_window(centre, horizon_days=7)

    slots_generate(offering=offering, organisation=centre, now=NOW)

    assert {local(s).date() for s in active_slots(offering)} == {date(2027, 1, 4)}


def test_a_day_off_gives_no_slots_that_day_and_hours_off_remove_only_those_hours(
    centre: Organisation,
) -> None:
    offering = offering_with_monday_window(centre, horizon_days=14)
    tutor = offering.tutor
    exception_add(
        now=NOW,
        tutor=tutor,
        kind="unavailable",
        date=date(2027, 1, 4),
        reason="Курсы повышения квалификации",
        actor=tutor,
    )
    exception_add(
        now=NOW,
        tutor=tutor,
        kind="unavailable",
        date=date(2027, 1, 11),
        starts=time(11),
        ends=time(12),
        actor=tutor,
    )

    slots_generate(offering=offering, organisation=centre, now=NOW)

    assert [local(s) for s in active_slots(offering)] == [datetime(2027, 1, 11, 10, 0, tzinfo=MOSCOW)]


def test_extra_hours_add_slots_on_that_day_only(centre: Organisation) -> None:
    offering = offering_with_monday_window(centre, horizon_days=7)
    exception_add(
        now=NOW,
        tutor=offering.tutor,
        kind="extra",
        date=date(2027, 1, 6),
        starts=time(15),
        ends=time(16),
        offering=offering,
        actor=offering.tutor,
    )

    slots_generate(offering=offering, organisation=centre, now=NOW)

    assert [local(s) for s in active_slots(offering)] == [
        datetime(2027, 1, 4, 10, 0, tzinfo=MOSCOW),
        datetime(2027, 1, 4, 11, 0, tzinfo=MOSCOW),
        datetime(2027, 1, 6, 15, 0, tzinfo=MOSCOW),
    ]


def test_regenerating_is_idempotent(centre: Organisation) -> None:
    offering = offering_with_monday_window(centre)
    before = list(Slot.objects.filter(offering=offering).values_list("pk", "starts_at", "is_cancelled"))

    again = slots_generate(offering=offering, organisation=centre, now=NOW)

    assert len(before) == 8 and again == 0
    assert (
        list(Slot.objects.filter(offering=offering).values_list("pk", "starts_at", "is_cancelled")) == before
    )


def test_regeneration_cancels_free_slots_no_longer_covered_and_leaves_booked_slots_alone(
    centre: Organisation,
) -> None:
    offering = offering_with_monday_window(centre, horizon_days=7)
    slots_generate(offering=offering, organisation=centre, now=NOW)
    booked_slot, free_slot = active_slots(offering)
    book_slot(slot=booked_slot)

    # The tutor moves the window to Tuesday.
    weekly_set(now=NOW, offering=offering, windows=[(1, time(14), time(15))], actor=offering.tutor)

    booked_slot.refresh_from_db()
    free_slot.refresh_from_db()
    assert not booked_slot.is_cancelled and booked_slot.booked == 1
    assert free_slot.is_cancelled
    assert [local(s) for s in active_slots(offering)] == [
        datetime(2027, 1, 4, 10, 0, tzinfo=MOSCOW),
        datetime(2027, 1, 5, 14, 0, tzinfo=MOSCOW),
    ]

    # Back to Monday: the cancelled free slot comes back, no duplicate appears.
    weekly_set(now=NOW, offering=offering, windows=[(MONDAY, time(10), time(12))], actor=offering.tutor)
    free_slot.refresh_from_db()
    assert not free_slot.is_cancelled
    assert Slot.objects.filter(offering=offering).count() == 3


def test_past_slots_are_never_touched_by_regeneration(centre: Organisation) -> None:
    offering = offering_with_monday_window(centre, horizon_days=7)
    past = SlotFactory(offering=offering, starts_at=NOW - timedelta(days=6))

    slots_generate(offering=offering, organisation=centre, now=NOW)

    past.refresh_from_db()
    assert not past.is_cancelled


def test_a_start_that_would_overlap_another_offering_of_the_tutor_is_skipped(centre: Organisation) -> None:
    offering = OfferingFactory(tutor=tutor_in(centre), horizon_days=7)
    other = OfferingFactory(tutor=offering.tutor, slot_minutes=20)
    SlotFactory(offering=other, starts_at=datetime(2027, 1, 4, 10, 30, tzinfo=MOSCOW))

    weekly_set(now=NOW, offering=offering, windows=[(MONDAY, time(10), time(12))], actor=offering.tutor)

    assert [local(s).time() for s in active_slots(offering)] == [time(11)]


def test_video_slots_get_their_own_room_and_in_person_slots_none(centre: Organisation) -> None:
    video = offering_with_monday_window(centre, horizon_days=7, mode=Offering.Mode.VIDEO)
    in_person = offering_with_monday_window(centre, horizon_days=7, in_person=True)

    slots_generate(offering=video, organisation=centre, now=NOW)
    slots_generate(offering=in_person, organisation=centre, now=NOW)

    rooms = [s.video_room for s in active_slots(video)]
    assert len(rooms) == 2 and all(rooms) and len(set(rooms)) == 2
    assert [s.video_room for s in active_slots(in_person)] == ["", ""]


def test_an_inactive_offering_loses_its_free_future_slots(centre: Organisation) -> None:
    offering = offering_with_monday_window(centre, horizon_days=7)
    slots_generate(offering=offering, organisation=centre, now=NOW)
    offering.is_active = False
    offering.save()

    assert slots_generate(offering=offering, organisation=centre, now=NOW) == 0
    assert active_slots(offering) == []


# --- offerings, windows and exceptions: who and what ---------------------------------------------


def save_offering(actor_membership, **overrides):  # noqa: ANN001, ANN201
    values = {
        "actor": actor_membership.user,
        "actor_membership": actor_membership,
        "tutor": actor_membership.user,
        "subject": SubjectFactory(),
        "format": "group",
        "capacity": 6,
        "mode": "in_person",
        "place": "ЦРО, каб. 5",
    }
    values.update(overrides)
    return offering_save(**values)


def test_a_tutor_creates_and_changes_their_offering(centre: Organisation) -> None:
    tutor = member(centre, Role.TUTOR)

    offering = save_offering(tutor, topic=" ОГЭ: задание 25 ")
    assert offering.topic == "ОГЭ: задание 25"
    changed = save_offering(
        tutor, offering=offering, capacity=8, subject=offering.subject, topic="ОГЭ: задание 25"
    )

    assert changed.pk == offering.pk
    offering.refresh_from_db()
    assert (offering.format, offering.capacity, offering.place, offering.topic) == (
        "group",
        8,
        "ЦРО, каб. 5",
        "ОГЭ: задание 25",
    )


def test_an_individual_offering_always_has_one_place(centre: Organisation) -> None:
    tutor = member(centre, Role.TUTOR)

    offering = save_offering(tutor, format="individual", capacity=10, mode="video", place="")

    assert offering.capacity == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mode": "in_person", "place": "  "}, "place"),
        ({"format": "group", "capacity": 1}, "capacity"),
        ({"format": "pair"}, "format"),
        ({"mode": "phone"}, "mode"),
        ({"slot_minutes": 5}, "slot_minutes"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"buffer_minutes": "many"}, "buffer_minutes"),
    ],
)
def test_bad_offering_input_is_refused_naming_the_field_and_nothing_is_saved(
    centre: Organisation, overrides: dict, field: str
) -> None:
    tutor = member(centre, Role.TUTOR)
    before = Offering.objects.count()

    with pytest.raises(TutornetError) as caught:
        save_offering(tutor, **overrides)

    assert caught.value.field == field
    assert Offering.objects.count() == before


def test_only_a_tutor_of_the_organisation_or_its_admin_manages_offerings(
    centre: Organisation, district: District
) -> None:
    teacher = member(district.school_a, Role.TEACHER)
    methodologist = member(centre, Role.METHODOLOGIST)
    admin = member(centre, Role.CENTRE_ADMIN)
    tutor = member(centre, Role.TUTOR)
    other_tutor = member(centre, Role.TUTOR)

    with pytest.raises(PermissionDeniedError):
        save_offering(teacher)
    with pytest.raises(PermissionDeniedError):
        save_offering(methodologist)
    with pytest.raises(TutornetError) as caught:
        save_offering(admin)  # for themselves: the admin is not a tutor
    assert caught.value.field == "tutor"
    by_admin = save_offering(admin, tutor=tutor.user)
    assert by_admin.tutor_id == tutor.user_id
    with pytest.raises(PermissionDeniedError):
        save_offering(other_tutor, offering=by_admin, tutor=tutor.user)
    with pytest.raises(PermissionDeniedError):
        weekly_set(now=NOW, offering=by_admin, windows=[(0, time(9), time(10))], actor=other_tutor.user)


def test_overlapping_windows_are_refused_and_the_old_windows_stay(centre: Organisation) -> None:
    offering = offering_with_monday_window(centre)

    with pytest.raises(TutornetError) as caught:
        weekly_set(
            now=NOW,
            offering=offering,
            windows=[(2, time(9), time(11)), (2, time(10), time(12))],
            actor=offering.tutor,
        )

    assert caught.value.field == "windows"
    assert [(w.weekday, w.starts, w.ends) for w in WeeklyAvailability.objects.filter(offering=offering)] == [
        (MONDAY, time(10), time(12))
    ]


def test_a_window_ending_before_it_starts_is_refused(centre: Organisation) -> None:
    offering = offering_with_monday_window(centre)

    with pytest.raises(TutornetError) as caught:
        weekly_set(now=NOW, offering=offering, windows=[(3, time(12), time(11))], actor=offering.tutor)

    assert caught.value.field == "windows"


def test_extra_hours_need_an_offering_and_times(centre: Organisation) -> None:
    tutor = tutor_in(centre)
    offering = OfferingFactory(tutor=tutor)

    with pytest.raises(TutornetError) as no_offering:
        exception_add(
            now=NOW,
            tutor=tutor,
            kind="extra",
            date=date(2027, 1, 6),
            starts=time(9),
            ends=time(10),
            actor=tutor,
        )
    with pytest.raises(TutornetError) as no_times:
        exception_add(
            now=NOW, tutor=tutor, kind="extra", date=date(2027, 1, 6), offering=offering, actor=tutor
        )

    assert (no_offering.value.field, no_times.value.field) == ("offering", "starts")
    assert not AvailabilityException.objects.filter(tutor=tutor).exists()
