"""Bookings for the notification, reminder and feed tests, made through the booking services.

``make_booking`` books through ``booking_create`` (``factories.book_slot``): each booking
carries its busy time, the slot's counter, the audit and the confirmation notifications,
exactly as the app writes them.  Only the offering and the slot are written directly (as the
consultations factories do).  ``reschedule`` moves a booking with ``booking_reschedule``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role, TeacherBusy, User
from consultations import rules
from consultations.models import Booking, CalendarFeed, Offering, Slot, WaitlistEntry
from consultations.services import booking_reschedule
from notifications.models import Notification
from tenants.models import Organisation
from tests.conftest import member
from tests.factories import SubjectFactory
from tests.notifications.helpers import notifications_removed

from .factories import MINUTE, book_slot


def make_booking(
    organisation: Organisation,
    *,
    starts_at: datetime,
    teacher: User | None = None,
    tutor: User | None = None,
    booked_at: datetime | None = None,
    mode: str = Offering.Mode.VIDEO,
    question: str = "Как выстроить ИОМ ученика?",
    status: str = Booking.Status.CONFIRMED,
    minutes: int = 45,
) -> Booking:
    """A booking in ``organisation``'s schema (the caller is inside its tenant_context).

    The tutor is a new tutor of the organisation unless given; the teacher a new
    teacher of the organisation (or, for the centre, of its school 1), booking from
    their school.  ``booked_at`` is when the booking was made (the service's ``now``);
    by default the real time, or just before the minimum notice when that is past.
    The service stamps ``created_at`` with the real clock, so ``booked_at`` also
    backdates it (a booking made days ago).  ``status="cancelled"``: cancelled by the
    teacher before the deadline (``booking_cancel``).
    """
    if tutor is None:
        tutor = member(organisation, Role.TUTOR).user
    if teacher is None:
        school = organisation if organisation.is_school else organisation.schools.order_by("pk").first()
        teacher = member(school, Role.TEACHER).user
    offering = Offering.objects.create(
        tutor=tutor,
        subject=SubjectFactory(),
        topic="Индивидуальный маршрут",
        mode=mode,
        place="Кабинет 12, ул. Ленина, 5" if mode == Offering.Mode.IN_PERSON else "",
    )
    slot = slot_of(offering, starts_at, minutes=minutes)
    booking = book_slot(slot, teacher, question=question, status=status, now=booked_at)
    booking.tutor_id_for_tests = tutor.pk  # type: ignore[attr-defined]
    if booked_at is not None:
        Booking.objects.filter(pk=booking.pk).update(created_at=booked_at)
        booking.created_at = booked_at
    return booking


def slot_of(offering: Offering, starts_at: datetime, *, minutes: int = 45) -> Slot:
    return Slot.objects.create(
        offering=offering,
        tutor=offering.tutor,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        capacity=1,
    )


def reschedule(booking: Booking, starts_at: datetime) -> Booking:
    """Move ``booking`` by its teacher to a new slot of the same offering at ``starts_at``
    (``booking_reschedule``: the old booking is cancelled, the new one points back to it)."""
    old_slot = booking.slot
    new_slot = slot_of(
        old_slot.offering,
        starts_at,
        minutes=int((old_slot.ends_at - old_slot.starts_at).total_seconds()) // 60,
    )
    now = min(timezone.now(), rules.change_deadline(booking) - MINUTE)
    teacher = User.objects.get(pk=booking.teacher_id)
    moved = booking_reschedule(booking_id=booking.pk, new_slot_id=new_slot.pk, actor=teacher, now=now)
    moved.tutor_id_for_tests = old_slot.tutor_id  # type: ignore[attr-defined]
    return moved


def teacher_school(teacher: User) -> Organisation | None:
    membership = teacher.memberships.select_related("organisation").first()
    return membership.organisation if membership else None


def notifications_for(booking: Booking, kind: str) -> list[Notification]:
    """The notifications of this kind to either side (callable outside the booking's schema)."""
    tutor_id = getattr(booking, "tutor_id_for_tests", None) or booking.slot.tutor_id
    return list(
        Notification.objects.filter(kind=kind, recipient_id__in=[booking.teacher_id, tutor_id]).order_by("pk")
    )


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"] or "")))


def attachments_of(message: Message) -> list[tuple[str, str, str]]:
    """(file name, content type, text) of each attachment of an e-mail."""
    found = []
    for part in message.walk():
        if part.get_filename():
            found.append(
                (part.get_filename(), part.get_content_type(), part.get_payload(decode=True).decode())
            )
    return found


@dataclass
class Cleanup:
    """Rows a committed test made, deleted afterwards so later tests see a clean schema."""

    users: list[int] = field(default_factory=list)

    def of(self, *bookings: Booking) -> None:
        for booking in bookings:
            self.users += [booking.teacher_id, booking.slot.tutor_id]

    def run(self, organisations: list[Organisation]) -> None:
        for organisation in organisations:
            with tenant_context(organisation):
                WaitlistEntry.objects.filter(teacher_id__in=self.users).delete()
                bookings = Booking.objects.filter(slot__tutor_id__in=self.users) | Booking.objects.filter(
                    teacher_id__in=self.users
                )
                Booking.objects.filter(rescheduled_from__in=bookings).update(rescheduled_from=None)
                ids = list(bookings.values_list("pk", flat=True))
                Booking.objects.filter(pk__in=ids).update(rescheduled_from=None)
                Booking.objects.filter(pk__in=ids).delete()
                Slot.objects.filter(tutor_id__in=self.users).delete()
                Offering.objects.filter(tutor_id__in=self.users).delete()
                CalendarFeed.objects.filter(user_id__in=self.users).delete()
        # The bookings' busy times live in the public schema (accounts.TeacherBusy).
        TeacherBusy.objects.filter(user_id__in=self.users).delete()
        notifications_removed(list(self.users))
        connection.set_schema_to_public()


@contextlib.contextmanager
def cleaned(organisations: list[Organisation]) -> Iterator[Cleanup]:
    cleanup = Cleanup()
    try:
        yield cleanup
    finally:
        cleanup.run(organisations)
