"""WebSockets resolve the organisation from the Host header like HTTP does, and
refuse unknown hosts, anonymous users, non-members and foreign pages.

Two ways: channels' WebsocketCommunicator against ``tutornet.asgi.application``
with the real Redis channel layer, and a real ``websockets`` client against the
live uvicorn server, with the push coming from the live Celery worker.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django_tenants.utils import tenant_context
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from accounts.models import Role, User
from notifications.models import Kind
from notifications.services import notification_create, notifications_deliver, unread_count
from tests.conftest import District, LiveStack, client_for, member
from tests.factories import UserFactory
from tests.notifications.helpers import unqueued_notification
from tutornet.asgi import application

PATH = "/ws/notifications/"
T = TypeVar("T")


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


def communicator(host: str, user: User | None = None, origin: str | None = None) -> WebsocketCommunicator:
    headers = [(b"host", host.encode())]
    if user is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_cookie(user, host)}".encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, PATH, headers=headers)


async def refusal_code(socket: WebsocketCommunicator) -> int:
    """Accepted and then closed, so that a browser sees the code, and nothing else sent."""
    connected, _ = await socket.connect(timeout=5)
    assert connected
    message = await socket.receive_output(timeout=5)
    assert message["type"] == "websocket.close", message
    assert await socket.receive_nothing(timeout=0.3)
    return message["code"]


# --- in process: WebsocketCommunicator, real Redis channel layer --------------------------


def test_a_member_connects_and_gets_the_unread_count_then_a_live_push(
    district: District, committed_db: None
) -> None:
    user = member(district.school_a).user
    ours = unqueued_notification(user)
    notifications_deliver(notification_ids=[ours.pk])  # one unread already

    def new_notification() -> Any:
        newer = unqueued_notification(user)
        notifications_deliver(notification_ids=[newer.pk])
        return newer

    async def scenario() -> tuple[Any, Any, Any]:
        socket = communicator("school1.localhost", user)
        connected, _ = await socket.connect(timeout=5)
        assert connected
        first = await socket.receive_json_from(timeout=5)
        newer = await sync_to_async(new_notification)()
        pushed = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return first, pushed, newer

    first, pushed, newer = run(scenario())
    assert first == {"type": "unread", "unread": 1}
    assert pushed["type"] == "notification"
    assert pushed["id"] == newer.pk and pushed["subject"] == newer.subject
    assert pushed["unread"] == 2


def test_a_websocket_on_an_unknown_host_is_refused(district: District, committed_db: None) -> None:
    user = member(district.school_a).user
    assert run(refusal_code(communicator("nowhere.localhost", user))) == 4404


def test_an_anonymous_websocket_is_refused(district: District, committed_db: None) -> None:
    assert run(refusal_code(communicator("school1.localhost"))) == 4401


def test_a_member_of_school_a_gets_no_websocket_on_school_b(district: District, committed_db: None) -> None:
    user = member(district.school_a).user
    notification = unqueued_notification(user)

    async def scenario() -> int:
        socket = communicator("school2.localhost", user)
        code = await refusal_code(socket)
        # A notification for the same person is not pushed to the refused socket.
        await sync_to_async(notifications_deliver)(notification_ids=[notification.pk])
        assert await socket.receive_nothing(timeout=0.5)
        return code

    assert run(scenario()) == 4403


def test_a_school_teacher_gets_the_notification_socket_on_the_centre_host_too(
    district: District, committed_db: None
) -> None:
    """School staff use the centre's services, so the centre's pages show their bell."""
    user = member(district.school_a).user

    async def scenario() -> Any:
        socket = communicator("centre.localhost", user)
        connected, _ = await socket.connect(timeout=5)
        assert connected
        first = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return first

    assert run(scenario()) == {"type": "unread", "unread": 0}


def test_a_deactivated_membership_gets_no_websocket(district: District, committed_db: None) -> None:
    membership = member(district.school_a, Role.TUTOR)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    assert run(refusal_code(communicator("school1.localhost", membership.user))) == 4403


def test_a_websocket_opened_by_a_page_of_another_site_is_refused(
    district: District, committed_db: None
) -> None:
    user = member(district.school_a).user
    socket = communicator("school1.localhost", user, origin="http://evil.example")
    assert run(refusal_code(socket)) == 4400


def test_a_websocket_from_the_organisations_own_page_is_accepted(
    district: District, committed_db: None
) -> None:
    user = member(district.school_a).user

    async def scenario() -> Any:
        socket = communicator("school1.localhost:8000", user, origin="http://school1.localhost:8000")
        connected, _ = await socket.connect(timeout=5)
        assert connected
        message = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return message

    assert run(scenario()) == {"type": "unread", "unread": 0}


# --- the live stack: websockets client -> uvicorn, push from the Celery worker ------------


def live_socket(live_stack: LiveStack, host: str, cookie: str | None) -> Any:
    """Open ws://<host>:<port>/ws/notifications/ over TCP to 127.0.0.1, so the
    Host header names the organisation while no DNS for it is needed."""
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"} if cookie else None
    return connect(
        live_stack.ws_url(host),
        host="127.0.0.1",
        port=live_stack.http_port,
        additional_headers=headers,
        open_timeout=10,
    )


async def live_refusal(live_stack: LiveStack, host: str, cookie: str | None) -> tuple[int, list[Any]]:
    received: list[Any] = []
    async with live_socket(live_stack, host, cookie) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                received.append(await asyncio.wait_for(socket.recv(), 5))
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, received


@pytest.mark.live
def test_a_live_socket_gets_the_notification_the_worker_delivers_within_seconds(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = member(district.school_a).user
    cookie = session_cookie(user, "school1.localhost")
    before = unread_count(user.pk)

    def create() -> int:
        with tenant_context(district.school_a):
            return notification_create(kind=Kind.WELCOME, recipient=user, subject="Live hello", body="x").pk

    async def scenario() -> tuple[Any, Any, int, float]:
        async with live_socket(live_stack, "school1.localhost", cookie) as socket:
            first = json.loads(await asyncio.wait_for(socket.recv(), 5))
            started = time.monotonic()
            notification_id = await sync_to_async(create)()
            pushed = json.loads(await asyncio.wait_for(socket.recv(), 5))
            return first, pushed, notification_id, time.monotonic() - started

    first, pushed, notification_id, seconds = run(scenario())
    assert first == {"type": "unread", "unread": before}
    assert pushed["type"] == "notification" and pushed["id"] == notification_id
    assert pushed["subject"] == "Live hello"
    assert pushed["unread"] == before + 1
    assert seconds < 3, seconds
    live_stack.mailbox.wait_for(lambda m: user.email in (m["To"] or ""))


@pytest.mark.live
def test_a_live_socket_of_a_school_a_user_on_school_b_is_closed_and_receives_nothing(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = member(district.school_a).user
    cookie = session_cookie(user, "school1.localhost")  # one sign-in for every subdomain
    code, received = run(live_refusal(live_stack, "school2.localhost", cookie))
    assert code == 4403
    assert received == []


@pytest.mark.live
def test_live_sockets_of_unknown_hosts_and_anonymous_users_are_closed_with_a_code_the_page_understands(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    cookie = session_cookie(UserFactory(), "school1.localhost")
    assert run(live_refusal(live_stack, "nowhere.localhost", cookie)) == (4404, [])
    assert run(live_refusal(live_stack, "school1.localhost", None)) == (4401, [])
