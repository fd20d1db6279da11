"""Live free places: a booking's commit reaches every open page of the tutor's
(or offering's) slots within a second; nobody else's socket hears of it.

Two real WebSocket paths: channels' WebsocketCommunicator against
``tutornet.asgi.application`` with the real Redis channel layer, and the
``websockets`` library against the live uvicorn server.  The bookings are made
with the ORM inside an atomic block that calls ``live.slot_changed`` like the
booking services do, so these tests do not depend on the services' rules.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections, transaction
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from websockets.asyncio.client import connect

from accounts.models import Membership, Role, User
from consultations import live
from consultations.models import Booking, Offering, Slot
from tenants.models import Organisation
from tests.conftest import District, LiveStack, client_for, member
from tests.factories import SubjectFactory, UserFactory
from tutornet.asgi import application

T = TypeVar("T")
WITHIN = 1.0  # seconds from commit to the page


def run(scenario: Coroutine[Any, Any, T]) -> T:
    """Run an async scenario, then close the database connections its
    thread-sensitive sync calls opened (they live in asgiref's own thread)."""

    async def and_close() -> T:
        try:
            return await scenario
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(and_close())


def session_cookie(user: User, host: str) -> str:
    return client_for(user, host).cookies[settings.SESSION_COOKIE_NAME].value


def communicator(host: str, user: User | None, query: str) -> WebsocketCommunicator:
    headers = [(b"host", host.encode())]
    if user is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_cookie(user, host)}".encode()))
    return WebsocketCommunicator(application, f"/ws/slots/?{query}", headers=headers)


async def opened(socket: WebsocketCommunicator) -> WebsocketCommunicator:
    connected, _ = await socket.connect(timeout=5)
    assert connected
    assert await socket.receive_nothing(timeout=0.1)  # accepted and still open
    return socket


async def refusal_code(socket: WebsocketCommunicator) -> int:
    """Accepted and then closed (so a browser sees the code), nothing else sent."""
    connected, _ = await socket.connect(timeout=5)
    assert connected
    message = await socket.receive_output(timeout=5)
    assert message["type"] == "websocket.close", message
    assert await socket.receive_nothing(timeout=0.3)
    return message["code"]


# --- data: made with the ORM, committed (the sockets read from other threads/processes) ---


def tutor_with_slots(
    organisation: Organisation, *, capacity: int = 3, slots: int = 1
) -> tuple[Any, list[Slot]]:
    tutor = member(organisation, Role.TUTOR).user
    subject = SubjectFactory()
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    with tenant_context(organisation):
        offering = Offering.objects.create(
            tutor=tutor,
            subject=subject,
            format=Offering.Format.GROUP if capacity > 1 else Offering.Format.INDIVIDUAL,
            capacity=capacity,
            mode=Offering.Mode.VIDEO,
        )
        made = [
            Slot.objects.create(
                offering=offering,
                tutor=tutor,
                starts_at=starts + timedelta(hours=index),
                ends_at=starts + timedelta(hours=index, minutes=45),
                capacity=capacity,
            )
            for index in range(slots)
        ]
    return tutor, made


def book(organisation: Organisation, slot_id: int, teacher: User) -> tuple[int, float]:
    """Book a place like the booking service does; returns the booking and the commit time."""
    committed: list[float] = []
    with tenant_context(organisation), transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot_id)
        booking = Booking.objects.create(
            slot=slot, teacher=teacher, starts_at=slot.starts_at, ends_at=slot.ends_at, question="Как?"
        )
        slot.booked += 1
        slot.save(update_fields=["booked"])
        # Registered before the push's hook, so it runs first, right after the commit.
        transaction.on_commit(lambda: committed.append(time.monotonic()))
        live.slot_changed(slot)
    return booking.pk, committed[0]


def cancel(organisation: Organisation, booking_id: int) -> float:
    committed: list[float] = []
    with tenant_context(organisation), transaction.atomic():
        booking = Booking.objects.select_related("slot").get(pk=booking_id)
        slot = Slot.objects.select_for_update().get(pk=booking.slot_id)
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_at"])
        slot.booked -= 1
        slot.save(update_fields=["booked"])
        transaction.on_commit(lambda: committed.append(time.monotonic()))
        live.slot_changed(slot)
    return committed[0]


async def received_within(socket: WebsocketCommunicator, since: float) -> tuple[dict[str, Any], float]:
    message = await socket.receive_json_from(timeout=5)
    return message, time.monotonic() - since


# --- in process: WebsocketCommunicator, real Redis channel layer --------------------------


def test_a_booking_reaches_two_teachers_watching_the_tutor_within_a_second_and_a_cancel_frees_the_place(
    district: District, committed_db: None
) -> None:
    tutor, (slot,) = tutor_with_slots(district.centre, capacity=3)
    watcher_a = member(district.school_a).user  # both are district members of the centre
    watcher_b = member(district.school_b).user
    booker = member(district.school_a).user

    async def scenario() -> list[tuple[dict[str, Any], float]]:
        sockets = [
            await opened(communicator("centre.localhost", watcher_a, f"tutor={tutor.pk}")),
            await opened(communicator("centre.localhost", watcher_b, f"tutor={tutor.pk}")),
        ]
        booking_id, committed = await sync_to_async(book)(district.centre, slot.pk, booker)
        results = [await received_within(socket, committed) for socket in sockets]
        committed = await sync_to_async(cancel)(district.centre, booking_id)
        results += [await received_within(socket, committed) for socket in sockets]
        for socket in sockets:
            assert await socket.receive_nothing(timeout=0.2)
            await socket.disconnect()
        return results

    results = run(scenario())
    expected_booked = {"type": "slot", "id": slot.pk, "free": 2, "capacity": 3, "booked": 1}
    expected_freed = {**expected_booked, "free": 3, "booked": 0}
    for message, _ in results[:2]:
        assert {key: message[key] for key in expected_booked} == expected_booked
        assert message["tutor"] == tutor.pk and message["offering"] == slot.offering_id
    for message, _ in results[2:]:
        assert {key: message[key] for key in expected_freed} == expected_freed
    assert all(seconds < WITHIN for _, seconds in results), [seconds for _, seconds in results]


def test_a_page_watching_an_offering_gets_its_slots_and_the_last_place_shows_free_zero(
    district: District, committed_db: None
) -> None:
    tutor, (slot,) = tutor_with_slots(district.school_a, capacity=1)
    watcher = member(district.school_a).user

    async def scenario() -> dict[str, Any]:
        socket = await opened(communicator("school1.localhost", watcher, f"offering={slot.offering_id}"))
        _, committed = await sync_to_async(book)(district.school_a, slot.pk, member(district.school_a).user)
        message, seconds = await received_within(socket, committed)
        assert seconds < WITHIN
        await socket.disconnect()
        return message

    message = run(scenario())
    assert message["id"] == slot.pk and message["free"] == 0 and message["booked"] == 1


def test_a_page_watching_one_offering_hears_nothing_of_the_same_tutors_other_offering(
    district: District, committed_db: None
) -> None:
    tutor, (watched,) = tutor_with_slots(district.school_a, capacity=2)
    with tenant_context(district.school_a):
        other = Offering.objects.create(
            tutor=tutor, subject=SubjectFactory(), format=Offering.Format.INDIVIDUAL, capacity=1,
            mode=Offering.Mode.VIDEO,
        )  # fmt: skip
        elsewhere = Slot.objects.create(
            offering=other, tutor=tutor, starts_at=watched.starts_at + timedelta(days=1),
            ends_at=watched.ends_at + timedelta(days=1), capacity=1,
        )  # fmt: skip
    watcher = member(district.school_a).user

    async def scenario() -> dict[str, Any]:
        socket = await opened(communicator("school1.localhost", watcher, f"offering={watched.offering_id}"))
        await sync_to_async(book)(district.school_a, elsewhere.pk, member(district.school_a).user)
        assert await socket.receive_nothing(timeout=0.5)
        await sync_to_async(book)(district.school_a, watched.pk, member(district.school_a).user)
        message = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return message

    message = run(scenario())
    assert message["id"] == watched.pk and message["offering"] == watched.offering_id


def test_a_page_asking_for_an_offering_that_does_not_exist_is_refused(
    district: District, committed_db: None
) -> None:
    watcher = member(district.school_a).user
    assert run(refusal_code(communicator("school1.localhost", watcher, "offering=987654321"))) == 4400


def test_slots_changed_in_one_transaction_are_pushed_together_after_the_commit_only(
    district: District, committed_db: None
) -> None:
    tutor, slots = tutor_with_slots(district.centre, capacity=2, slots=3)
    watcher = member(district.school_a).user

    def cancel_all_inside_one_transaction() -> None:
        with tenant_context(district.centre), transaction.atomic():
            for slot in slots:
                slot.is_cancelled = True
                slot.save(update_fields=["is_cancelled"])
                live.slot_changed(slot)
                live.slot_changed(slot)  # twice: still one message for it
            assert not is_pushed_yet  # nothing before the commit

    is_pushed_yet: list[Any] = []

    async def scenario() -> list[dict[str, Any]]:
        socket = await opened(communicator("centre.localhost", watcher, f"tutor={tutor.pk}"))
        await sync_to_async(cancel_all_inside_one_transaction)()
        messages = [await socket.receive_json_from(timeout=5) for _ in slots]
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return messages

    messages = run(scenario())
    assert sorted(m["id"] for m in messages) == sorted(s.pk for s in slots)
    assert all(m["free"] == 0 and m["cancelled"] for m in messages)


def test_a_rolled_back_booking_pushes_nothing(district: District, committed_db: None) -> None:
    tutor, (slot,) = tutor_with_slots(district.centre, capacity=2)
    watcher = member(district.school_a).user

    class Refused(Exception):
        pass

    def book_then_fail() -> None:
        with pytest.raises(Refused), tenant_context(district.centre), transaction.atomic():
            locked = Slot.objects.select_for_update().get(pk=slot.pk)
            locked.booked += 1
            locked.save(update_fields=["booked"])
            live.slot_changed(locked)
            raise Refused

    async def scenario() -> None:
        socket = await opened(communicator("centre.localhost", watcher, f"tutor={tutor.pk}"))
        await sync_to_async(book_then_fail)()
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()

    run(scenario())
    with tenant_context(district.centre):
        assert Slot.objects.get(pk=slot.pk).booked == 0


def test_a_failed_push_never_breaks_the_booking(
    district: District, committed_db: None, caplog: pytest.LogCaptureFixture
) -> None:
    _, (slot,) = tutor_with_slots(district.centre, capacity=2)
    teacher = member(district.school_a).user
    # A real Redis client against a port nobody listens on: the push fails.
    dead = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    with (
        override_settings(CHANNEL_LAYERS=dead),
        caplog.at_level(logging.WARNING, logger="consultations.live"),
    ):
        booking_id, _ = book(district.centre, slot.pk, teacher)
    with tenant_context(district.centre):
        assert Booking.objects.get(pk=booking_id).status == Booking.Status.CONFIRMED
        assert Slot.objects.get(pk=slot.pk).booked == 1
    assert any("failed" in record.getMessage() for record in caplog.records)


def test_many_pages_leaving_at_once_leave_their_groups_cleanly(
    district: District, committed_db: None
) -> None:
    # With redis-py 8's defaults a burst of group_discard beyond 100 connections failed
    # (MaxConnectionsError), and an idle receive timed out after 5 s (TimeoutError),
    # crashing consumers: see CHANNEL_LAYERS in the settings.
    tutor, (slot,) = tutor_with_slots(district.centre, capacity=2)
    watcher = member(district.school_a).user
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_cookie(watcher, 'centre.localhost')}".encode()
    pages = 150

    def page() -> WebsocketCommunicator:
        headers = [(b"host", b"centre.localhost"), (b"cookie", cookie)]
        return WebsocketCommunicator(application, f"/ws/slots/?tutor={tutor.pk}", headers=headers)

    async def scenario() -> tuple[int, list[Any]]:
        sockets = [page() for _ in range(pages)]
        connected = await asyncio.gather(*(socket.connect(timeout=10) for socket in sockets))
        # Any exception of a consumer's disconnect is re-raised here.
        left = await asyncio.gather(
            *(socket.disconnect(timeout=10) for socket in sockets), return_exceptions=True
        )
        layer = get_channel_layer()
        members = await layer.connection(layer.consistent_hash(live.tutor_group("centre", tutor.pk))).zcard(
            layer._group_key(live.tutor_group("centre", tutor.pk))
        )
        return sum(ok for ok, _ in connected), [e for e in left if e is not None] + (
            [members] if members else []
        )

    opened_count, problems = run(scenario())
    assert opened_count == pages
    assert problems == []


# --- who may listen, and isolation between organisations ----------------------------------


def test_anonymous_users_unknown_hosts_and_a_missing_tutor_are_refused(
    district: District, committed_db: None
) -> None:
    tutor, _ = tutor_with_slots(district.centre)
    teacher = member(district.school_a).user
    assert run(refusal_code(communicator("centre.localhost", None, f"tutor={tutor.pk}"))) == 4401
    assert run(refusal_code(communicator("nowhere.localhost", teacher, f"tutor={tutor.pk}"))) == 4404
    assert run(refusal_code(communicator("centre.localhost", teacher, "tutor=abc"))) == 4400
    assert run(refusal_code(communicator("centre.localhost", teacher, ""))) == 4400


def test_a_user_without_a_membership_in_the_district_is_refused_on_the_centre(
    district: District, committed_db: None
) -> None:
    tutor, _ = tutor_with_slots(district.centre)
    stranger = UserFactory()
    assert run(refusal_code(communicator("centre.localhost", stranger, f"tutor={tutor.pk}"))) == 4403


def test_a_teacher_of_school1_is_refused_on_school2_whose_consultations_are_internal(
    district: District, committed_db: None
) -> None:
    tutor, _ = tutor_with_slots(district.school_b)
    teacher = member(district.school_a).user
    assert run(refusal_code(communicator("school2.localhost", teacher, f"tutor={tutor.pk}"))) == 4403


def test_updates_of_school1s_slots_never_reach_a_socket_opened_on_school2(
    district: District, committed_db: None
) -> None:
    # The same person mentors in both schools; offering ids may coincide across schemas.
    tutor, (slot_a,) = tutor_with_slots(district.school_a, capacity=2)
    Membership.objects.create(user=tutor, organisation=district.school_b, role=Role.TUTOR)
    watcher_a = member(district.school_a).user
    watcher_b = member(district.school_b).user

    async def scenario() -> dict[str, Any]:
        ours = await opened(communicator("school1.localhost", watcher_a, f"tutor={tutor.pk}"))
        theirs = await opened(communicator("school2.localhost", watcher_b, f"tutor={tutor.pk}"))
        # School2 has no offering with school1's id (refused, 4400) or another one (its own
        # tutor's group): either way, nothing of school1's slot.
        by_offering = communicator("school2.localhost", watcher_b, f"offering={slot_a.offering_id}")
        assert (await by_offering.connect(timeout=5))[0]
        await sync_to_async(book)(district.school_a, slot_a.pk, member(district.school_a).user)
        message = await ours.receive_json_from(timeout=5)
        assert await theirs.receive_nothing(timeout=0.5)
        heard = []
        while not await by_offering.receive_nothing(timeout=0.3):
            heard.append(await by_offering.receive_output())
        assert all(output["type"] == "websocket.close" for output in heard), heard
        for socket in (theirs, by_offering, ours):
            await socket.disconnect()
        return message

    message = run(scenario())
    assert message["id"] == slot_a.pk and message["free"] == 1


# --- the live stack: a real websockets client against uvicorn ------------------------------


@pytest.mark.live
def test_a_booking_reaches_a_browser_socket_on_the_live_server_within_a_second(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    tutor, (slot,) = tutor_with_slots(district.centre, capacity=2)
    watcher = member(district.school_b).user
    cookie = session_cookie(watcher, "centre.localhost")

    async def scenario() -> tuple[dict[str, Any], float]:
        async with connect(
            live_stack.ws_url("centre.localhost", f"/ws/slots/?tutor={tutor.pk}"),
            host="127.0.0.1",
            port=live_stack.http_port,
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
            open_timeout=10,
        ) as socket:
            # The server joins the group before it accepts: once open, the socket listens.
            _, committed = await sync_to_async(book)(district.centre, slot.pk, member(district.school_a).user)
            message = json.loads(await asyncio.wait_for(socket.recv(), 5))
            return message, time.monotonic() - committed

    message, seconds = run(scenario())
    assert message["type"] == "slot" and message["id"] == slot.pk
    assert message["free"] == 1 and message["booked"] == 1
    assert seconds < WITHIN, seconds
