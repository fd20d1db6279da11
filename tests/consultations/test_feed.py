"""The personal calendar feed: a secret, revocable ICS URL of one person's consultations here."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role
from consultations import ics
from consultations.models import Booking, CalendarFeed
from consultations.services.feeds import calendar_feed_create, calendar_feed_revoke
from tests.conftest import District, client_for, member
from tests.factories import UserFactory

from .notify_data import make_booking

pytestmark = pytest.mark.django_db

HOST = "centre.localhost"


def feed_path(token: str) -> str:
    return f"/calendar/feed/{token}.ics"


def uids(response_content: bytes) -> set[str]:
    calendar = icalendar.Calendar.from_ical(response_content)
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def test_a_feed_shows_the_owners_consultations_and_never_another_persons(district: District) -> None:
    teacher_a = member(district.school_a, Role.TEACHER).user
    teacher_b = member(district.school_b, Role.TEACHER).user
    soon = timezone.now() + timedelta(days=3)
    with tenant_context(district.centre):
        mine = make_booking(district.centre, starts_at=soon, teacher=teacher_a)
        tutor = mine.slot.tutor
        theirs = make_booking(
            district.centre, starts_at=soon + timedelta(hours=2), teacher=teacher_b, tutor=tutor
        )
        _, token_a = calendar_feed_create(user=teacher_a)
        _, token_tutor = calendar_feed_create(user=tutor)
        mine_uid, theirs_uid = ics.booking_uid(mine), ics.booking_uid(theirs)
    response = client_for(None, HOST).get(feed_path(token_a))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert uids(response.content) == {mine_uid}
    assert teacher_b.email not in response.content.decode()
    # The tutor sees both consultations, as the tutor.
    assert uids(client_for(None, HOST).get(feed_path(token_tutor)).content) == {mine_uid, theirs_uid}


def test_the_feed_leaves_out_cancelled_and_older_than_30_days_consultations(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    now = timezone.now()
    with tenant_context(district.centre):
        recent = make_booking(district.centre, starts_at=now - timedelta(days=29), teacher=teacher)
        make_booking(district.centre, starts_at=now - timedelta(days=31), teacher=teacher)
        make_booking(
            district.centre,
            starts_at=now + timedelta(days=2),
            teacher=teacher,
            status=Booking.Status.CANCELLED,
        )
        upcoming = make_booking(district.centre, starts_at=now + timedelta(days=5), teacher=teacher)
        _, token = calendar_feed_create(user=teacher)
        expected = {ics.booking_uid(recent), ics.booking_uid(upcoming)}
    response = client_for(None, HOST).get(feed_path(token))
    assert uids(response.content) == expected
    calendar = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in calendar  # a published feed, not an invitation
    for event in calendar.walk("VEVENT"):
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)


def test_a_revoked_or_replaced_or_wrong_token_is_404(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    with tenant_context(district.centre):
        _, first = calendar_feed_create(user=teacher)
        _, second = calendar_feed_create(user=teacher)  # replaces the first
        assert CalendarFeed.objects.filter(user=teacher, revoked_at__isnull=True).count() == 1
    client = client_for(None, HOST)
    assert client.get(feed_path(first)).status_code == 404
    assert client.get(feed_path(second)).status_code == 200
    assert client.get(feed_path(second[:-1] + ("0" if second[-1] != "0" else "1"))).status_code == 404
    assert client.get(feed_path("nonsense")).status_code == 404
    with tenant_context(district.centre):
        assert calendar_feed_revoke(user=teacher) == 1
    assert client.get(feed_path(second)).status_code == 404


def test_the_token_is_stored_only_as_a_hash(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    with tenant_context(district.centre):
        feed, token = calendar_feed_create(user=teacher)
        feed.refresh_from_db()
    assert token not in feed.token_hash
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_a_feed_of_the_centre_does_not_open_on_a_schools_host(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    with tenant_context(district.centre):
        _, token = calendar_feed_create(user=teacher)
    assert client_for(None, "school1.localhost").get(feed_path(token)).status_code == 404


def test_a_feed_stops_when_its_owner_leaves_the_district(district: District) -> None:
    membership = member(district.school_a, Role.TEACHER)
    with tenant_context(district.centre):
        _, token = calendar_feed_create(user=membership.user)
    assert client_for(None, HOST).get(feed_path(token)).status_code == 200
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    assert client_for(None, HOST).get(feed_path(token)).status_code == 404


def test_the_feed_page_shows_creates_and_revokes_the_address(district: District) -> None:
    teacher = member(district.school_a, Role.TEACHER).user
    client = client_for(teacher, HOST)
    page = client.get("/calendar/")
    assert page.status_code == 200
    assert "/calendar/feed/" not in page.content.decode()
    assert client.post("/calendar/", {"action": "create"}).status_code == 302
    with tenant_context(district.centre):
        feed = CalendarFeed.objects.get(user=teacher, revoked_at__isnull=True)
    body = client.get("/calendar/").content.decode()
    start = body.index("/calendar/feed/") + len("/calendar/feed/")
    token = body[start : body.index(".ics", start)]
    assert hashlib.sha256(token.encode()).hexdigest() == feed.token_hash
    assert client_for(None, HOST).get(feed_path(token)).status_code == 200
    assert client.post("/calendar/", {"action": "revoke"}).status_code == 302
    assert client_for(None, HOST).get(feed_path(token)).status_code == 404
    assert "/calendar/feed/" not in client.get("/calendar/").content.decode()


def test_the_feed_page_needs_sign_in_and_a_district_membership(district: District) -> None:
    anonymous = client_for(None, HOST).get("/calendar/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    outsider = UserFactory()
    assert client_for(outsider, HOST).get("/calendar/").status_code == 403
    assert client_for(outsider, HOST).post("/calendar/", {"action": "create"}).status_code == 403
    with tenant_context(district.centre):
        assert not CalendarFeed.objects.filter(user=outsider).exists()
