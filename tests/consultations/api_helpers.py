"""What the consultations API tests share: hosts, an API client as someone, slots and bookings made
in an organisation's schema (bookings through ``booking_create``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from accounts.models import User
from consultations.models import Booking, Slot
from tenants.models import Organisation

from .factories import OfferingFactory, SlotFactory, book_slot, tutor_in

CENTRE = "centre.localhost"
SCHOOL_1 = "school1.localhost"
SCHOOL_2 = "school2.localhost"
BOOKINGS = "/api/consultations/bookings/"


def api_as(user: User | None, host: str) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def in_days(days: float, hour: int = 10) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def slot_in(organisation: Organisation, *, tutor: User | None = None, **offering: Any) -> Slot:
    """A future slot (in three days) of a new offering in ``organisation``'s schema."""
    starts_at = offering.pop("starts_at", in_days(3))
    with tenant_context(organisation):
        made = OfferingFactory(tutor=tutor or tutor_in(organisation), **offering)
        return SlotFactory(offering=made, starts_at=starts_at)


def booking_in(organisation: Organisation, slot: Slot, teacher: User, **fields: Any) -> Booking:
    with tenant_context(organisation):
        return book_slot(slot=slot, teacher=teacher, **fields)


def book(client: APIClient, slot: Slot, question: str = "Как подготовить девятиклассников к ОГЭ?") -> Any:
    return client.post(BOOKINGS, {"slot": slot.pk, "question": question}, format="json")
