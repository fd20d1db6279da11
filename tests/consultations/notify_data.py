"""Bookings made with the ORM for the notification, reminder and feed tests.

They do not go through the booking services, so these tests check only what
they are about (the services have their own tests; one test here goes through
``booking_create`` end to end).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message

from django.db import connection, transaction
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from consultations.models import Booking, CalendarFeed, Offering, Slot, WaitlistEntry
from notifications.models import Delivery, Notification
from tenants.models import Organisation
from tests.conftest import member
from tests.factories import SubjectFactory


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
    teacher of the organisation (or, for the centre, of its school 1).
    ``booked_at`` backdates ``created_at`` (a booking made days ago).
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
    slot = Slot.objects.create(
        offering=offering,
        tutor=tutor,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        capacity=1,
        booked=0 if status == Booking.Status.CANCELLED else 1,
    )
    booking = Booking.objects.create(
        slot=slot,
        teacher=teacher,
        teacher_organisation=None if organisation.is_school else teacher_school(teacher),
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        question=question,
        status=status,
        cancelled_at=starts_at - timedelta(days=1) if status == Booking.Status.CANCELLED else None,
    )
    booking.tutor_id_for_tests = tutor.pk  # type: ignore[attr-defined]
    if booked_at is not None:
        Booking.objects.filter(pk=booking.pk).update(created_at=booked_at)
        booking.created_at = booked_at
    return booking


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
        # The live worker may be delivering them: lock them first (it skips locked rows).
        with transaction.atomic():
            ids = list(
                Notification.objects.select_for_update()
                .filter(recipient_id__in=self.users)
                .values_list("pk", flat=True)
            )
            Delivery.objects.filter(notification_id__in=ids).delete()
            Notification.objects.filter(pk__in=ids).delete()
        connection.set_schema_to_public()


@contextlib.contextmanager
def cleaned(organisations: list[Organisation]) -> Iterator[Cleanup]:
    cleanup = Cleanup()
    try:
        yield cleanup
    finally:
        cleanup.run(organisations)
