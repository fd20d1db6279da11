"""Both sides of a consultation hear of it: in-app and by e-mail with an .ics, in
their language, at the organisation's wall-clock time, with a link to their page.

The notifications are outbox rows written in the booking's transaction; the
live tests see them delivered by the real worker to the SMTP sink.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from consultations import rules
from consultations.models import Offering, Slot
from consultations.services.booking import booking_cancel, booking_create, waitlist_join
from notifications.models import Kind, Notification
from tenants.selectors import organisation_url
from tests.conftest import District, LiveStack, member
from tests.factories import SubjectFactory

from .factories import book_slot, teacher_in
from .notify_data import attachments_of, cleaned, make_booking, notifications_for, reschedule, subject_of

STARTS = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)  # 10:00 in Moscow (the centre's zone)


def calendar_of(notification: Notification) -> icalendar.Calendar:
    assert notification.attachment_mimetype.startswith("text/calendar")
    assert notification.attachment_name.endswith(".ics")
    return icalendar.Calendar.from_ical(notification.attachment_content)


@pytest.mark.django_db
def test_a_confirmed_booking_notifies_teacher_and_tutor_with_an_ics_request_and_their_own_page(
    district: District,
) -> None:
    with tenant_context(district.centre), transaction.atomic():
        booking = make_booking(district.centre, starts_at=STARTS)  # booking_create writes both
    teacher_note, tutor_note = sorted(
        notifications_for(booking, Kind.BOOKING_CONFIRMED), key=lambda n: n.recipient_id != booking.teacher_id
    )
    assert teacher_note.recipient_id == booking.teacher_id
    assert tutor_note.recipient_id == booking.slot.tutor_id
    assert teacher_note.link == organisation_url(district.centre, "/consultations/my/")
    assert tutor_note.link == organisation_url(district.centre, "/consultations/calendar/")
    for note in (teacher_note, tutor_note):
        assert note.in_app
        assert note.organisation_id == district.centre.pk
        assert "03.12.2026 10:00" in note.subject  # Moscow wall clock, not UTC
        assert booking.question in note.body
        calendar = calendar_of(note)
        assert calendar["METHOD"] == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert event.decoded("DTSTART") == STARTS
        assert note.link in str(event["DESCRIPTION"])


@pytest.mark.django_db
def test_each_side_is_written_to_in_their_own_language(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER, language="en").user
    tutor = member(district.centre, Role.TUTOR, language="ru").user
    with tenant_context(district.centre), transaction.atomic():
        booking = make_booking(district.centre, starts_at=STARTS, teacher=teacher, tutor=tutor)
    by_recipient = {n.recipient_id: n for n in notifications_for(booking, Kind.BOOKING_CONFIRMED)}
    english, russian = by_recipient[teacher.pk], by_recipient[tutor.pk]
    assert english.subject.startswith("Consultation booked: 03.12.2026 10:00")
    assert "The consultation is booked." in english.body
    assert "SUMMARY:Consultation:" in english.attachment_content
    # Russian is the project's default language; its text is not the English msgid.
    assert not russian.subject.startswith("Consultation booked")
    assert "03.12.2026 10:00" in russian.subject


@pytest.mark.django_db
def test_a_cancellation_tells_both_sides_who_cancelled_and_why_and_removes_the_event(
    district: District,
) -> None:
    with tenant_context(district.centre), transaction.atomic():
        booking = make_booking(district.centre, starts_at=STARTS)
        tutor = booking.slot.tutor
        booking = booking_cancel(
            booking_id=booking.pk,
            actor=tutor,
            reason="Заболел",
            now=min(timezone.now(), rules.change_deadline(booking) - timedelta(minutes=1)),
        )
    notes = notifications_for(booking, Kind.BOOKING_CANCELLED)
    assert {n.recipient_id for n in notes} == {booking.teacher_id, tutor.pk}
    for note in notes:
        assert "Заболел" in note.body
        assert str(tutor) in note.body
        calendar = calendar_of(note)
        assert calendar["METHOD"] == "CANCEL"
        (event,) = calendar.walk("VEVENT")
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 1  # never moved (0), then cancelled: one up


@pytest.mark.django_db
def test_a_reschedule_tells_both_sides_the_old_and_new_time_and_moves_the_event(district: District) -> None:
    with tenant_context(district.centre), transaction.atomic():
        old = make_booking(district.centre, starts_at=STARTS)
        new = reschedule(old, STARTS + timedelta(days=1))  # booking_reschedule tells both sides
    notes = notifications_for(new, Kind.BOOKING_RESCHEDULED)
    assert {n.recipient_id for n in notes} == {new.teacher_id, new.slot.tutor_id}
    for note in notes:
        assert "03.12.2026 10:00" in note.body and "04.12.2026 10:00" in note.body
        calendar = calendar_of(note)
        assert calendar["METHOD"] == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert event.decoded("DTSTART") == STARTS + timedelta(days=1)
        assert int(event["SEQUENCE"]) == 2


@pytest.mark.django_db
def test_a_waitlist_offer_goes_to_the_teacher_with_its_deadline_in_local_time(district: District) -> None:
    """Built through the services: a full group slot, a teacher on its waitlist, a cancellation
    that offers the freed place (``booking_cancel`` -> the offer, valid WAITLIST_OFFER_MINUTES)."""
    teacher = member(district.school_a, Role.TEACHER).user
    moscow = district.centre.zone
    starts = (
        (timezone.now() + timedelta(days=3))
        .astimezone(moscow)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    with tenant_context(district.centre), transaction.atomic():
        tutor = member(district.centre, Role.TUTOR).user
        offering = Offering.objects.create(
            tutor=tutor, subject=SubjectFactory(), format=Offering.Format.GROUP, capacity=2
        )
        slot = Slot.objects.create(
            offering=offering, tutor=tutor, starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=2
        )
        first = book_slot(slot, teacher_in(district.school_a))
        book_slot(slot, teacher_in(district.school_a))
        waitlist_join(
            slot_id=slot.pk,
            teacher=teacher,
            teacher_organisation=district.school_a,
            question="Можно присоединиться?",
        )
        cancelled_at = starts - timedelta(days=1)  # 10:00 Moscow the day before
        booking_cancel(booking_id=first.pk, actor=User.objects.get(pk=first.teacher_id), now=cancelled_at)
    (note,) = Notification.objects.filter(kind=Kind.WAITLIST_OFFER, recipient=teacher)
    assert not Notification.objects.filter(kind=Kind.WAITLIST_OFFER, recipient=tutor).exists()
    deadline = cancelled_at + timedelta(minutes=settings.WAITLIST_OFFER_MINUTES)
    assert starts.strftime("%d.%m.%Y 10:00") in note.subject
    assert deadline.astimezone(moscow).strftime("%d.%m.%Y %H:%M") in note.body
    assert note.link == organisation_url(district.centre, "/consultations/my/")
    assert note.in_app


@pytest.mark.django_db
def test_a_booking_that_rolls_back_leaves_no_notification(district: District) -> None:
    class Refused(Exception):
        pass

    teacher = member(district.school_a, Role.TEACHER).user
    with tenant_context(district.centre), pytest.raises(Refused), transaction.atomic():
        make_booking(district.centre, starts_at=STARTS, teacher=teacher)
        assert Notification.objects.filter(recipient=teacher).exists()  # written in the transaction
        raise Refused
    assert not Notification.objects.filter(recipient=teacher).exists()


@pytest.mark.live
def test_booking_through_the_service_emails_both_sides_an_ics_invitation(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    teacher = member(district.school_a, Role.TEACHER, language="en").user
    tutor = member(district.centre, Role.TUTOR, language="en").user
    starts = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    with cleaned([district.centre]) as cleanup, tenant_context(district.centre):
        offering = Offering.objects.create(tutor=tutor, subject=SubjectFactory())
        slot = Slot.objects.create(
            offering=offering,
            tutor=tutor,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
            capacity=1,
        )
        booking = booking_create(
            slot_id=slot.pk, teacher=teacher, teacher_organisation=district.school_a, question="Про ВПР"
        )
        cleanup.of(booking)
        for person, page in ((teacher, "/consultations/my/"), (tutor, "/consultations/calendar/")):
            message = live_stack.mailbox.wait_for(
                lambda m, person=person: (
                    person.email in (m["To"] or "") and subject_of(m).startswith("Consultation booked")
                )
            )
            body = next(
                p for p in message.walk() if p.get_content_type() == "text/plain" and not p.get_filename()
            )
            assert organisation_url(district.centre, page) in body.get_payload(decode=True).decode()
            ((name, content_type, text),) = attachments_of(message)
            assert name.endswith(".ics") and content_type == "text/calendar"
            calendar = icalendar.Calendar.from_ical(text)
            assert calendar["METHOD"] == "REQUEST"
            (event,) = calendar.walk("VEVENT")
            assert event.decoded("DTSTART") == starts
            assert "Про ВПР" in str(event["DESCRIPTION"])
        notes = Notification.objects.filter(kind=Kind.BOOKING_CONFIRMED, recipient__in=[teacher, tutor])
        assert notes.count() == 2
