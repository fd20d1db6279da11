"""Reminders 24 hours and 1 hour before a consultation: sent once, to both sides,
never for a cancelled booking, still sent after an outage, and "24 hours" means
24 real hours across a daylight-saving change."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from consultations.models import Booking, Offering, Slot, WaitlistEntry
from consultations.services.reminders import reminders_send
from consultations.tasks import _organisation_ids, reminders_send_for, reminders_sweep, waitlist_expire_for
from notifications.models import Kind, Notification
from tests.conftest import District, LiveStack, member, start_worker
from tests.factories import SubjectFactory

from .notify_data import cleaned, make_booking, notifications_for, subject_of

STARTS = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
LONG_AGO = STARTS - timedelta(days=7)
BERLIN = ZoneInfo("Europe/Berlin")


def reminders_of(booking: Booking) -> list[Notification]:
    return notifications_for(booking, Kind.CONSULTATION_REMINDER)


def sweep(district: District, now: datetime) -> int:
    with tenant_context(district.centre):
        return reminders_send(now=now)


@pytest.mark.django_db
def test_a_due_24h_reminder_goes_to_both_sides_once_however_often_the_sweep_runs(district: District) -> None:
    with tenant_context(district.centre):
        booking = make_booking(district.centre, starts_at=STARTS, booked_at=LONG_AGO)
    assert sweep(district, STARTS - timedelta(hours=24, minutes=1)) == 0  # not yet due
    assert sweep(district, STARTS - timedelta(hours=23)) == 1
    assert sweep(district, STARTS - timedelta(hours=23)) == 0
    assert sweep(district, STARTS - timedelta(hours=22)) == 0
    notes = reminders_of(booking)
    assert sorted(n.recipient_id for n in notes) == sorted([booking.teacher_id, booking.slot.tutor_id])
    with tenant_context(district.centre):
        booking.refresh_from_db()
    assert booking.reminder_24h_sent_at == STARTS - timedelta(hours=23)
    assert booking.reminder_1h_sent_at is None
    # Then the 1-hour reminder, also once.
    assert sweep(district, STARTS - timedelta(minutes=50)) == 1
    assert sweep(district, STARTS - timedelta(minutes=40)) == 0
    assert len(reminders_of(booking)) == 4


@pytest.mark.django_db
def test_no_reminder_for_a_cancelled_booking_or_a_booking_of_a_cancelled_slot(district: District) -> None:
    with tenant_context(district.centre):
        cancelled = make_booking(
            district.centre, starts_at=STARTS, booked_at=LONG_AGO, status=Booking.Status.CANCELLED
        )
        on_cancelled_slot = make_booking(district.centre, starts_at=STARTS, booked_at=LONG_AGO)
        Slot.objects.filter(pk=on_cancelled_slot.slot_id).update(is_cancelled=True)
    assert sweep(district, STARTS - timedelta(hours=12)) == 0
    assert sweep(district, STARTS - timedelta(minutes=30)) == 0
    assert reminders_of(cancelled) == [] and reminders_of(on_cancelled_slot) == []


@pytest.mark.django_db
def test_no_reminder_once_the_consultation_has_started(district: District) -> None:
    with tenant_context(district.centre):
        booking = make_booking(district.centre, starts_at=STARTS, booked_at=LONG_AGO)
    assert sweep(district, STARTS) == 0
    assert sweep(district, STARTS + timedelta(minutes=10)) == 0
    assert reminders_of(booking) == []


@pytest.mark.django_db
def test_no_24h_reminder_for_a_booking_made_less_than_an_hour_before_it_was_due(district: District) -> None:
    with tenant_context(district.centre):
        late = make_booking(
            district.centre, starts_at=STARTS, booked_at=STARTS - timedelta(hours=24, minutes=30)
        )
        early = make_booking(
            district.centre, starts_at=STARTS, booked_at=STARTS - timedelta(hours=25, minutes=5)
        )
    assert sweep(district, STARTS - timedelta(hours=23)) == 1
    assert reminders_of(late) == []
    assert len(reminders_of(early)) == 2
    # The late booking still gets its 1-hour reminder.
    assert sweep(district, STARTS - timedelta(minutes=59)) == 2
    assert len(reminders_of(late)) == 2


@pytest.mark.django_db
def test_a_reminder_missed_during_an_outage_is_sent_by_the_next_sweep(district: District) -> None:
    with tenant_context(district.centre):
        booking = make_booking(district.centre, starts_at=STARTS, booked_at=LONG_AGO)
    # Nobody swept when it became due (24 h before); five hours before the start someone does.
    assert sweep(district, STARTS - timedelta(hours=5)) == 1
    assert {n.kind for n in reminders_of(booking)} == {Kind.CONSULTATION_REMINDER}
    assert len(reminders_of(booking)) == 2


@pytest.mark.django_db
def test_after_a_long_outage_only_the_1h_reminder_is_sent_not_both(district: District) -> None:
    with tenant_context(district.centre):
        booking = make_booking(district.centre, starts_at=STARTS, booked_at=LONG_AGO)
    assert sweep(district, STARTS - timedelta(minutes=30)) == 1
    with tenant_context(district.centre):
        booking.refresh_from_db()
    assert booking.reminder_1h_sent_at is not None
    assert booking.reminder_24h_sent_at is None
    assert len(reminders_of(booking)) == 2


@pytest.fixture
def berlin_centre(district: District) -> Iterator[District]:
    """The centre in Europe/Berlin (a zone with daylight saving) for one test."""
    previous = district.centre.time_zone
    district.centre.time_zone = "Europe/Berlin"
    try:
        yield district
    finally:
        district.centre.time_zone = previous


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("consultation", "reminder_24h_local"),
    [
        # Monday after the spring change: the previous day is already summer time.
        (datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN), datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN)),
        # Sunday of the spring change: 24 real hours before is 09:00 winter time (25 wall-clock hours).
        (datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN), datetime(2026, 3, 28, 9, 0, tzinfo=BERLIN)),
        # Sunday of the autumn change: 24 real hours before is 11:00 summer time (23 wall-clock hours).
        (datetime(2026, 10, 25, 10, 0, tzinfo=BERLIN), datetime(2026, 10, 24, 11, 0, tzinfo=BERLIN)),
    ],
)
def test_24h_means_24_real_hours_and_1h_one_real_hour_across_daylight_saving_changes(
    berlin_centre: District, consultation: datetime, reminder_24h_local: datetime
) -> None:
    district = berlin_centre
    teacher = member(district.school_a, Role.TEACHER, language="en").user
    with tenant_context(district.centre):
        booking = make_booking(
            district.centre,
            starts_at=consultation,
            teacher=teacher,
            booked_at=consultation - timedelta(days=7),
        )
    # Real (UTC) difference; Python subtracts two times of one zone on the wall clock.
    assert consultation.astimezone(UTC) - reminder_24h_local.astimezone(UTC) == timedelta(hours=24)
    minute = timedelta(minutes=1)
    assert sweep(district, reminder_24h_local - minute) == 0
    assert sweep(district, reminder_24h_local) == 1
    reminder_1h_local = datetime(consultation.year, consultation.month, consultation.day, 9, 0, tzinfo=BERLIN)
    assert sweep(district, reminder_1h_local - minute) == 0
    assert sweep(district, reminder_1h_local) == 1
    with tenant_context(district.centre):
        booking.refresh_from_db()
    assert booking.reminder_24h_sent_at == reminder_24h_local
    assert booking.reminder_1h_sent_at == reminder_1h_local
    # Shown on the Berlin wall clock.
    (note,) = [n for n in reminders_of(booking) if n.recipient_id == teacher.pk and "Tomorrow" in n.subject]
    assert consultation.strftime("%d.%m.%Y 10:00") in note.subject


@pytest.mark.django_db
def test_the_sweep_task_reaches_every_organisation_in_its_own_schema(district: District) -> None:
    days_ago = timezone.now() - timedelta(days=3)
    assert district.public.pk not in _organisation_ids()
    assert {district.centre.pk, district.school_a.pk, district.school_b.pk} <= set(_organisation_ids())
    with tenant_context(district.centre):
        at_centre = make_booking(
            district.centre, starts_at=timezone.now() + timedelta(hours=3), booked_at=days_ago
        )
    with tenant_context(district.school_a):
        at_school = make_booking(
            district.school_a, starts_at=timezone.now() + timedelta(hours=3), booked_at=days_ago
        )
    # Exactly these two: the committed tests delete their bookings afterwards (notify_data.cleaned).
    assert reminders_send_for([district.centre.pk, district.school_a.pk]) == 2
    centre_notes = [n for n in reminders_of(at_centre) if n.organisation_id == district.centre.pk]
    with tenant_context(district.school_a):
        at_school = Booking.objects.select_related("slot").get(pk=at_school.pk)
        assert at_school.reminder_24h_sent_at is not None
    school_notes = [n for n in reminders_of(at_school) if n.organisation_id == district.school_a.pk]
    assert len(centre_notes) == 2 and len(school_notes) == 2


@pytest.mark.django_db
def test_the_waitlist_expiry_task_passes_expired_offers_on_in_each_organisation(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    starts = timezone.now() + timedelta(days=2)
    with tenant_context(district.centre):
        tutor = member(district.centre, Role.TUTOR).user
        offering = Offering.objects.create(
            tutor=tutor, subject=SubjectFactory(), format=Offering.Format.GROUP, capacity=2
        )
        slot = Slot.objects.create(
            offering=offering,
            tutor=tutor,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            capacity=2,
            booked=1,
            offered=1,
        )
        entry = WaitlistEntry.objects.create(
            slot=slot,
            teacher=teacher,
            question="Есть место?",
            status=WaitlistEntry.Status.OFFERED,
            offered_at=timezone.now() - timedelta(hours=3),
            offer_expires_at=timezone.now() - timedelta(hours=1),
        )
    assert waitlist_expire_for([district.centre.pk, district.school_a.pk]) == 1
    with tenant_context(district.centre):
        entry.refresh_from_db()
        slot.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.EXPIRED
    assert slot.offered == 0


def test_two_concurrent_sweeps_send_each_reminder_exactly_once(
    district: District, committed_db: None
) -> None:
    count = 30
    with cleaned([district.centre]) as cleanup:
        with tenant_context(district.centre):
            bookings = [
                make_booking(district.centre, starts_at=STARTS + timedelta(minutes=index), booked_at=LONG_AGO)
                for index in range(count)
            ]
        cleanup.of(*bookings)
        barrier = threading.Barrier(2)
        results: list[int] = []
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                barrier.wait()
                with tenant_context(district.centre):
                    results.append(reminders_send(now=STARTS - timedelta(hours=20), batch=4))
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sum(results) == count
        for booking in bookings:
            assert len(reminders_of(booking)) == 2, booking.pk


@pytest.mark.live
def test_a_reminder_due_while_the_worker_was_down_is_sent_after_it_restarts(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    stopped = live_stack.processes[0]
    stopped.terminate()
    stopped.wait(20)
    teacher = member(district.school_a, Role.TEACHER, language="en").user
    with cleaned([district.centre]) as cleanup:
        now = timezone.now()
        with tenant_context(district.centre):
            booking = make_booking(
                district.centre,
                starts_at=now + timedelta(minutes=40),
                teacher=teacher,
                booked_at=now - timedelta(days=3),
            )
        cleanup.of(booking)
        live_stack.processes[0] = start_worker(live_stack.env, f"restarted-{os.getpid()}")
        reminders_sweep.delay()
        message = live_stack.mailbox.wait_for(
            lambda m: teacher.email in (m["To"] or "") and subject_of(m).startswith("In an hour"), timeout=60
        )
        assert booking.question in message.get_payload(decode=True).decode()
        with tenant_context(district.centre):
            booking.refresh_from_db()
        assert booking.reminder_1h_sent_at is not None
        assert booking.reminder_24h_sent_at is None
        time.sleep(1)  # a duplicate would have arrived by now
        assert len([m for m in live_stack.mailbox.to(teacher.email) if "consultation" in subject_of(m)]) == 1
