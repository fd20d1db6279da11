"""Shared steps of the portal tests: a centre tutor's slot, a booking made through the service,
and following a link across portals (each portal is its own host, so its own test client)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from urllib.parse import urlsplit

from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from consultations.models import Booking, Slot
from consultations.services import booking_create
from tenants.models import Organisation
from tests.consultations.factories import OfferingFactory, SlotFactory, tutor_in

QUESTION = "Как выстроить ИОМ молодого учителя?"


def soon(days: float = 3, hour: int = 9) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def slot_in(
    organisation: Organisation,
    starts_at: datetime | None = None,
    *,
    tutor: User | None = None,
    **fields: object,
) -> Slot:
    with tenant_context(organisation):
        offering = OfferingFactory(tutor=tutor or tutor_in(organisation), **fields)
        return SlotFactory(offering=offering, starts_at=starts_at or soon())


def book(
    organisation: Organisation, slot: Slot, teacher: User, school: Organisation, question: str = QUESTION
) -> Booking:
    with tenant_context(organisation):
        return booking_create(
            slot_id=slot.pk, teacher=teacher, teacher_organisation=school, question=question
        )


def follow_across(client: Client, response, clients: dict[str, Client], limit: int = 6):  # type: ignore[no-untyped-def]
    """Follow redirects, switching to the client of the host a redirect names.
    Returns (final response, host it came from)."""
    host = client.defaults["HTTP_HOST"]
    for _ in range(limit):
        hop = hop_form_in(response)
        if hop is not None:
            # The hand-over page: its script posts the ticket to the other portal, from this one.
            action, ticket = hop
            origin = f"http://{host}:8000"
            host = urlsplit(action).hostname or host
            client = clients.setdefault(host, Client(HTTP_HOST=host))
            response = client.post(urlsplit(action).path, {"t": ticket}, HTTP_ORIGIN=origin)
            continue
        if response.status_code not in (301, 302):
            return response, host
        parts = urlsplit(response["Location"])
        if parts.hostname:
            host = parts.hostname
        client = clients.setdefault(host, Client(HTTP_HOST=host))
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    raise AssertionError("too many redirects")


HOP_FORM = re.compile(
    r'<form method="post" action="([^"]+)" data-submit-on-load>\s*<input type="hidden" name="t" '
    r'value="([^"]+)">'
)


def hop_form_in(response) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """(where the hand-over page posts, the ticket), or None for any other response."""
    if response.status_code != 200:
        return None
    found = HOP_FORM.search(response.content.decode())
    return (unescape(found.group(1)), unescape(found.group(2))) if found else None
