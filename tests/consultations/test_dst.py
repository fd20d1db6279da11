"""Daylight saving: an organisation in Europe/Berlin (clocks change on 2026-03-29 and
2026-10-25).  A Monday 10:00 window stays 10:00 on the wall clock; only the UTC
offset moves, and deadlines are named on the wall clock too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from consultations.errors import DeadlinePassedError
from consultations.models import Slot
from consultations.services import booking_cancel, booking_create, weekly_set
from tenants.models import Organisation
from tests.conftest import District

from .factories import OfferingFactory, teacher_in, tutor_in

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def berlin(district: District) -> Iterator[Organisation]:
    """The centre, moved to Berlin for this test (rolled back afterwards)."""
    organisation = Organisation.objects.get(pk=district.centre.pk)
    organisation.time_zone = "Europe/Berlin"
    organisation.save(update_fields=["time_zone"])
    with tenant_context(organisation):
        yield organisation


def monday_slots(organisation: Organisation, now: datetime) -> list[Slot]:
    offering = OfferingFactory(
        tutor=tutor_in(organisation), horizon_days=28, slot_minutes=45, buffer_minutes=15
    )
    weekly_set(offering=offering, windows=[(0, time(10), time(12))], actor=offering.tutor, now=now)
    return list(Slot.objects.filter(offering=offering, is_cancelled=False).order_by("starts_at"))


def test_spring_forward_keeps_monday_ten_oclock_local(berlin: Organisation) -> None:
    slots = monday_slots(berlin, now=datetime(2026, 3, 20, 12, 0, tzinfo=BERLIN))

    ten_oclocks = [s for s in slots if s.starts_at.astimezone(BERLIN).time() == time(10)]
    assert [s.starts_at.astimezone(BERLIN).date() for s in ten_oclocks] == [
        date(2026, 3, 23),
        date(2026, 3, 30),
        date(2026, 4, 6),
        date(2026, 4, 13),
    ]
    # Before the change 10:00 CET is 09:00 UTC, after it 10:00 CEST is 08:00 UTC.
    assert [s.starts_at.astimezone(UTC).hour for s in ten_oclocks] == [9, 8, 8, 8]
    assert {s.starts_at.astimezone(BERLIN).time() for s in slots} == {time(10), time(11)}
    assert {s.ends_at - s.starts_at for s in slots} == {timedelta(minutes=45)}


def test_fall_back_keeps_monday_ten_oclock_local(berlin: Organisation) -> None:
    slots = monday_slots(berlin, now=datetime(2026, 10, 16, 12, 0, tzinfo=BERLIN))

    ten_oclocks = [s for s in slots if s.starts_at.astimezone(BERLIN).time() == time(10)]
    assert [s.starts_at.astimezone(BERLIN).date() for s in ten_oclocks] == [
        date(2026, 10, 19),
        date(2026, 10, 26),
        date(2026, 11, 2),
        date(2026, 11, 9),
    ]
    assert [s.starts_at.astimezone(UTC).hour for s in ten_oclocks] == [8, 9, 9, 9]
    assert {s.ends_at - s.starts_at for s in slots} == {timedelta(minutes=45)}


def test_a_window_in_the_skipped_hour_gives_no_phantom_slot(berlin: Organisation) -> None:
    offering = OfferingFactory(tutor=tutor_in(berlin), horizon_days=7, slot_minutes=30, buffer_minutes=0)
    # Sunday 29 March 2026: 02:00-03:00 does not exist in Berlin.
    weekly_set(
        offering=offering,
        windows=[(6, time(1), time(4))],
        actor=offering.tutor,
        now=datetime(2026, 3, 27, 12, 0, tzinfo=BERLIN),
    )

    local = [s.starts_at.astimezone(BERLIN).strftime("%H:%M") for s in Slot.objects.filter(offering=offering)]
    assert local == ["01:00", "01:30", "03:00", "03:30"]


def test_the_cancel_deadline_across_the_change_is_named_on_the_wall_clock(
    berlin: Organisation, district: District
) -> None:
    offering = OfferingFactory(tutor=tutor_in(berlin), cancel_deadline_hours=48, min_notice_hours=0)
    now = datetime(2026, 3, 25, 12, 0, tzinfo=BERLIN)
    weekly_set(offering=offering, windows=[(0, time(10), time(11))], actor=offering.tutor, now=now)
    slot = Slot.objects.get(offering=offering, starts_at=datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN))
    teacher = teacher_in(district.school_a)
    booking = booking_create(
        slot_id=slot.pk, teacher=teacher, teacher_organisation=district.school_a, question="Q", now=now
    )

    with pytest.raises(DeadlinePassedError) as caught:
        booking_cancel(booking_id=booking.pk, actor=teacher, now=datetime(2026, 3, 29, 9, 0, tzinfo=BERLIN))

    # 48 hours before Monday 10:00 CEST is Saturday 09:00 CET (the night lost an hour).
    assert "28.03.2026 09:00" in str(caught.value)
