"""factory_boy factories for consultations.  They write rows directly, bypassing the
services (tests of the invariants need that); ``BookingFactory`` keeps the slot's
``booked`` counter in step, as the service would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from consultations.models import Booking, Offering, Slot
from tests.factories import SubjectFactory, UserFactory


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    tutor = factory.SubFactory(UserFactory)
    subject = factory.SubFactory(SubjectFactory)
    format = Offering.Format.INDIVIDUAL
    capacity = 1
    mode = Offering.Mode.VIDEO
    slot_minutes = 45
    buffer_minutes = 15
    min_notice_hours = 12
    horizon_days = 28
    cancel_deadline_hours = 12

    class Params:
        group = factory.Trait(format=Offering.Format.GROUP, capacity=5)
        in_person = factory.Trait(mode=Offering.Mode.IN_PERSON, place="ул. Ленина, 1, каб. 12")


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    offering = factory.SubFactory(OfferingFactory)
    tutor = factory.LazyAttribute(lambda o: o.offering.tutor)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.offering.slot_minutes))
    capacity = factory.LazyAttribute(lambda o: o.offering.capacity)


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    slot = factory.SubFactory(SlotFactory)
    teacher = factory.SubFactory(UserFactory)
    starts_at = factory.LazyAttribute(lambda o: o.slot.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.slot.ends_at)
    question = "Как построить урок по ФГОС?"

    @classmethod
    def _create(cls, model_class: type[Booking], *args: Any, **kwargs: Any) -> Booking:
        booking = super()._create(model_class, *args, **kwargs)
        if booking.status != Booking.Status.CANCELLED:
            slot = booking.slot
            slot.booked += 1
            slot.save(update_fields=["booked"])
        return booking


def tutor_in(organisation: Any) -> Any:
    """A new person with an active tutor membership in ``organisation``."""
    from accounts.models import Role
    from tests.conftest import member

    return member(organisation, Role.TUTOR).user


def teacher_in(organisation: Any) -> Any:
    from accounts.models import Role
    from tests.conftest import member

    return member(organisation, Role.TEACHER).user


def school_of(teacher: Any) -> Any:
    """The organisation of the teacher's (first) active membership: where they book from."""
    from accounts.models import Membership

    membership = (
        Membership.objects.select_related("organisation").filter(user=teacher, is_active=True).first()
    )
    return membership.organisation if membership is not None else None
