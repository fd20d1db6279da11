"""Scale-out (issue 9): two ASGI server processes and two Celery workers on one
PostgreSQL and one Redis behave like one.

* A booking made through server A reaches a page's socket on server B (and a cancel
  through B reaches a socket on A): the live slot updates travel through the Redis
  channel layer, not through a process's memory.
* A notification is delivered exactly once (one inbox row, one e-mail in the SMTP
  sink, one WebSocket push), even when both workers are told to deliver it at the
  same moment and both run the re-send sweep.
* Access closed through one server is refused by the other from its next request
  (the per-process membership cache is keyed by the person's access generation).

Real processes: the session's live stack (server A, worker A, the SMTP sink) plus a
second server and a second worker started once for this module
(``tests/tutornet/scale_out_stack.py``), stopped by PID when the module is done.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django_tenants.utils import tenant_context
from websockets.asyncio.client import ClientConnection, connect

from accounts.models import Membership, Role, User
from consultations.models import Booking, Slot
from notifications.models import Delivery, Kind, Notification
from notifications.tasks import deliver_notifications, resend_stuck
from tests.conftest import District, LiveStack, client_for, member
from tests.consultations.factories import OfferingFactory, SlotFactory
from tests.factories import api_token
from tests.notifications.helpers import eventually, unqueued_notification
from tutornet.celery import app as celery_app

from .scale_out_stack import TwoOfEach, http, second_pair, workers_answering

pytestmark = pytest.mark.live

CENTRE, SCHOOL_1 = "centre.localhost", "school1.localhost"


@pytest.fixture(scope="module")
def two(live_stack: LiveStack) -> Iterator[TwoOfEach]:
    with second_pair(live_stack, f"scaleout-{os.getpid()}") as pair:
        yield pair


# --- helpers -------------------------------------------------------------------------------


def cookie_for(user: User, host: str) -> str:
    """A session cookie (sessions live in PostgreSQL: any server accepts it)."""
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client_for(user, host).cookies[name].value}"


def socket_on(port: int, host: str, path: str, user: User) -> Any:
    return connect(
        f"ws://{host}:{port}{path}",
        host="127.0.0.1",
        port=port,
        additional_headers={"Cookie": cookie_for(user, host)},
        open_timeout=15,
    )


async def messages_until_quiet(socket: ClientConnection, quiet: float) -> list[dict[str, Any]]:
    """Everything the socket receives until it has been silent for ``quiet`` seconds."""
    received = []
    while True:
        try:
            received.append(json.loads(await asyncio.wait_for(socket.recv(), quiet)))
        except TimeoutError:
            return received


async def next_message(socket: ClientConnection, timeout: float = 10.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout))


def run(scenario: Any) -> Any:
    async def and_close() -> Any:
        try:
            return await scenario
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(and_close())


def free_slot_in_centre(district: District, capacity: int) -> tuple[User, Slot]:
    """A centre tutor's slot in three days (committed: the servers read it)."""
    tutor = member(district.centre, Role.TUTOR).user
    with tenant_context(district.centre):
        offering = OfferingFactory(
            tutor=tutor, capacity=capacity, format="group" if capacity > 1 else "individual"
        )
        return tutor, SlotFactory(offering=offering)


def person_in(organisation: Any, role: str) -> User:
    return member(organisation, role).user


def mails_to(stack: LiveStack, user: User) -> list[Any]:
    return stack.mailbox.to(user.email)


# --- the stack itself ----------------------------------------------------------------------


def test_exactly_two_workers_consume_the_test_broker_and_both_servers_answer(
    two: TwoOfEach, committed_db: None
) -> None:
    # A third one (a worker left behind by an earlier run) would take this run's tasks.
    assert workers_answering(timeout=2) == sorted([two.worker_a, two.worker_b])
    assert two.port_a != two.port_b
    for port in (two.port_a, two.port_b):
        assert http(port, "GET", CENTRE, "/healthz")[0] == 200


# --- (a) a booking through A reaches a socket on B -----------------------------------------


def test_a_booking_through_server_a_reaches_a_page_on_server_b_and_a_cancel_through_b_reaches_a(
    two: TwoOfEach, district: District, committed_db: None
) -> None:
    tutor, slot = free_slot_in_centre(district, capacity=2)
    teacher = person_in(district.school_a, Role.TEACHER)
    token = api_token(teacher)
    watcher_on_b = person_in(district.school_a, Role.TEACHER)
    watcher_on_a = person_in(district.centre, Role.TEACHER)
    path = f"/ws/slots/?tutor={tutor.pk}"

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
        async with (
            socket_on(two.port_b, CENTRE, path, watcher_on_b) as on_b,
            socket_on(two.port_a, CENTRE, path, watcher_on_a) as on_a,
        ):
            status, body = await sync_to_async(http)(
                two.port_a, "POST", CENTRE, "/api/consultations/bookings/",
                {"slot": slot.pk, "question": "Как разобрать задачу 19?"}, token,
            )  # fmt: skip
            assert status == 201, body
            booked = [await next_message(on_b), await next_message(on_a)]
            status, body = await sync_to_async(http)(
                two.port_b, "POST", CENTRE, f"/api/consultations/bookings/{body['id']}/cancel/",
                {"reason": "Заболел"}, token,
            )  # fmt: skip
            assert status == 200, body
            freed = [await next_message(on_a), await next_message(on_b)]
            # One message per change on each socket, nothing twice.
            rest = await messages_until_quiet(on_a, 0.5) + await messages_until_quiet(on_b, 0.1)
            return booked, freed, len(rest)

    booked, freed, extra = run(scenario())
    for message in booked:
        assert (message["type"], message["id"], message["booked"], message["free"]) == ("slot", slot.pk, 1, 1)
    for message in freed:
        assert (message["id"], message["booked"], message["free"]) == (slot.pk, 0, 2)
    assert extra == 0
    with tenant_context(district.centre):
        assert Slot.objects.get(pk=slot.pk).booked == 0
        assert Booking.objects.get(slot=slot).status == Booking.Status.CANCELLED


# --- (b) a notification is delivered exactly once ------------------------------------------


def test_a_booking_through_a_notifies_each_side_once_by_inbox_e_mail_and_one_push_on_b(
    two: TwoOfEach, district: District, committed_db: None
) -> None:
    tutor, slot = free_slot_in_centre(district, capacity=1)
    teacher = person_in(district.school_a, Role.TEACHER)
    token = api_token(teacher)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with (
            socket_on(two.port_b, CENTRE, "/ws/notifications/", teacher) as teacher_on_b,
            socket_on(two.port_b, CENTRE, "/ws/notifications/", tutor) as tutor_on_b,
            socket_on(two.port_a, CENTRE, "/ws/notifications/", teacher) as teacher_on_a,
        ):
            for socket in (teacher_on_b, tutor_on_b, teacher_on_a):
                assert (await next_message(socket))["type"] == "unread"
            status, body = await sync_to_async(http)(
                two.port_a, "POST", CENTRE, "/api/consultations/bookings/",
                {"slot": slot.pk, "question": "Вопрос"}, token,
            )  # fmt: skip
            assert status == 201, body
            # Both e-mails are out: every push has been sent by then (pushes go first).
            await sync_to_async(eventually)(
                lambda: mails_to(two.stack, teacher) and mails_to(two.stack, tutor), what="both e-mails"
            )
            # A second delivery (a late duplicate task, a sweep) would arrive within this.
            teacher_heard = await messages_until_quiet(teacher_on_b, 1.5)
            teacher_heard_on_a = await messages_until_quiet(teacher_on_a, 0.2)
            tutor_heard = await messages_until_quiet(tutor_on_b, 0.2)
            assert teacher_heard == teacher_heard_on_a  # every open page, once
            return teacher_heard, tutor_heard

    teacher_heard, tutor_heard = run(scenario())
    for user, heard in ((teacher, teacher_heard), (tutor, tutor_heard)):
        (note,) = Notification.objects.filter(recipient=user)  # one inbox row
        assert note.kind == Kind.BOOKING_CONFIRMED and note.delivered_at is not None
        assert [(m["type"], m["id"], m["unread"]) for m in heard] == [("notification", note.pk, 1)]
        assert len(mails_to(two.stack, user)) == 1
        assert sorted(Delivery.objects.filter(notification=note).values_list("channel", flat=True)) == [
            "email",
            "in_app",
        ]
    # The inbox API on the other server shows the one row.
    status, inbox = http(two.port_b, "GET", CENTRE, "/api/notifications/", token=token)
    assert status == 200 and [row["kind"] for row in inbox["results"]] == [Kind.BOOKING_CONFIRMED]


def deliveries_run_by(two: TwoOfEach) -> dict[str, int]:
    """How many delivery tasks each worker has run so far (its own statistics)."""
    stats = celery_app.control.inspect(destination=[two.worker_a, two.worker_b], timeout=5).stats() or {}
    return {w: stats[w]["total"].get("notifications.deliver", 0) for w in (two.worker_a, two.worker_b)}


@pytest.fixture
def direct_queues(two: TwoOfEach) -> Iterator[dict[str, str]]:
    """A queue of its own for each worker (remote control: add_consumer), to send the same
    task to both at once; removed again afterwards."""
    queues = {two.worker_a: f"scaleout-{os.getpid()}-a", two.worker_b: f"scaleout-{os.getpid()}-b"}
    for worker, queue in queues.items():
        replies = celery_app.control.add_consumer(queue, destination=[worker], reply=True, timeout=5)
        assert replies and "ok" in replies[0][worker], replies
    try:
        yield queues
    finally:
        for worker, queue in queues.items():
            celery_app.control.cancel_consumer(queue, destination=[worker], reply=True, timeout=5)
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        bindings = [
            f"_kombu.{kind}.{q}" for q in queues.values() for kind in ("binding", "binding_permanent")
        ]
        broker.delete(*queues.values(), *bindings)


def test_one_notification_sent_to_both_workers_at_once_and_swept_by_both_is_delivered_once(
    two: TwoOfEach, direct_queues: dict[str, str], district: District, committed_db: None
) -> None:
    user = person_in(district.school_a, Role.TEACHER)
    # Left unqueued a minute ago (the broker was down at commit): due for the sweep too.
    notification = unqueued_notification(user, age_seconds=60)

    async def scenario() -> tuple[list[int], list[dict[str, Any]]]:
        async with socket_on(two.port_b, SCHOOL_1, "/ws/notifications/", user) as page:
            assert (await next_message(page))["type"] == "unread"
            deliveries, sweeps = [], []
            for _ in range(3):
                for queue in direct_queues.values():
                    deliveries.append(deliver_notifications.apply_async([[notification.pk]], queue=queue))
                    sweeps.append(resend_stuck.apply_async(queue=queue))
            delivered = [await sync_to_async(r.get)(timeout=30) for r in deliveries]
            for sweep in sweeps:  # what they re-queued went to the shared queue
                await sync_to_async(sweep.get)(timeout=30)
            await sync_to_async(eventually)(lambda: mails_to(two.stack, user), what="the e-mail")
            heard = await messages_until_quiet(page, 1.5)
            return delivered, heard

    before = deliveries_run_by(two)
    delivered, heard = run(scenario())
    after = deliveries_run_by(two)
    # Each worker ran its three copies (and possibly what the sweeps re-queued).
    assert all(after[w] - before[w] >= 3 for w in (two.worker_a, two.worker_b)), (before, after)
    assert sum(delivered) <= 1  # one claim wins (or a task the sweep queued did)
    assert len(mails_to(two.stack, user)) == 1
    assert [(m["type"], m["id"]) for m in heard] == [("notification", notification.pk)]
    done = Notification.objects.get(pk=notification.pk)
    assert done.delivered_at is not None and Notification.objects.filter(recipient=user).count() == 1
    assert sorted(Delivery.objects.filter(notification=done).values_list("channel", flat=True)) == [
        "email",
        "in_app",
    ]


# --- (c) per-process caches do not outlive a change made through the other server ----------


def test_access_closed_through_server_a_is_refused_by_server_b_at_its_next_request(
    two: TwoOfEach, district: District, committed_db: None
) -> None:
    admin = person_in(district.school_a, Role.SCHOOL_ADMIN)
    teacher = person_in(district.school_a, Role.TEACHER)
    token = api_token(teacher)
    membership = Membership.objects.get(user=teacher, organisation=district.school_a)
    # Both servers have just let the school's teacher use the centre (and cached it).
    for port in (two.port_a, two.port_b, two.port_b):
        assert http(port, "GET", CENTRE, "/api/consultations/slots/", token=token)[0] == 200

    status, body = http(
        two.port_a, "PATCH", SCHOOL_1, f"/api/staff/{membership.pk}/", {"is_active": False}, api_token(admin)
    )
    assert status == 200 and body["is_active"] is False, body

    started = time.monotonic()
    assert http(two.port_b, "GET", CENTRE, "/api/consultations/slots/", token=token)[0] == 403
    assert http(two.port_a, "GET", CENTRE, "/api/consultations/slots/", token=token)[0] == 403
    assert time.monotonic() - started < settings.TENANT_CACHE_SECONDS  # not a cache that lapsed
