"""Benchmark 4: a slot taken reaches 500 open pages.

Starts one uvicorn process (``tutornet.asgi:application``, the project's own
settings, the real Redis channel layer) on loopback, against its own bench
database with a centre and one of its schools.  Opens ``--clients`` (500)
authenticated WebSockets to ``/ws/slots/?tutor=<id>`` on the centre's host, as
``--users`` teachers of the school (several tabs each, their session cookies
made with Django's test client).  Then, ``--events`` times, books a place of
the tutor's group slot or cancels it again, in one transaction that calls
``consultations.live.slot_changed`` as the booking services do, and measures
each client's receive latency from the moment of the commit (an ``on_commit``
hook registered before the push's).

The clients are asyncio ``websockets`` connections in this process; the
bookings run in a worker thread, so the clients' event loop never waits for
them.  A latency therefore includes the push (Redis), the server's fan-out and
this process reading 500 frames on one core, so it is an upper bound.

Prints p50/p95/max over all deliveries and per event, and how many clients got
each event with the right free places.

Run from the repository root:  .venv/bin/python bench/slot_fanout.py
Target: p95 <= 500 ms from commit to each of 500 clients, every client receives every event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_slots_{os.getpid()}"
HOST = "centre.localhost"


def raise_fd_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        soft = min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def prepare(users: int) -> tuple[Any, int, int, list[str]]:
    """A centre, its school, a tutor with one group slot, ``users`` teachers of the school
    (district members of the centre) with sessions; returns (centre, tutor id, slot id, cookies)."""
    from datetime import timedelta

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from accounts.models import Membership, Role, User
    from consultations.models import Offering, Slot
    from tenants.models import Subject
    from tenants.services import organisation_create

    centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
    school, _ = organisation_create(
        kind="school", name="Школа № 1", short_name="Школа 1", subdomain="school1", centre=centre
    )
    tutor = User.objects.create(email="tutor@centre.bench", last_name="Тьюторова", first_name="Анна")
    Membership.objects.create(user=tutor, organisation=centre, role=Role.TUTOR)
    teachers = User.objects.bulk_create(
        [
            User(email=f"teacher{i}@school.bench", last_name="Бенчмарков", first_name=f"Учитель{i}")
            for i in range(users)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=t, organisation=school, role=Role.TEACHER) for t in teachers]
    )
    subject = Subject.objects.create(name="Математика", code="math")
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    with tenant_context(centre):
        offering = Offering.objects.create(
            tutor=tutor, subject=subject, format=Offering.Format.GROUP, capacity=30, mode=Offering.Mode.VIDEO
        )
        slot = Slot.objects.create(
            offering=offering,
            tutor=tutor,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
            capacity=30,
        )
    cookies = []
    for teacher in teachers:
        client = Client(HTTP_HOST=HOST)
        client.force_login(teacher, backend="django.contrib.auth.backends.ModelBackend")
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return centre, tutor.pk, slot.pk, cookies


def change_slot(centre: Any, slot_id: int, delta: int) -> tuple[float, int]:
    """Take (+1) or free (-1) a place in one transaction; returns the commit time and free places."""
    from django.db import connections, transaction
    from django_tenants.utils import tenant_context

    from consultations import live
    from consultations.models import Slot

    committed: list[float] = []
    try:
        with tenant_context(centre), transaction.atomic():
            slot = Slot.objects.select_for_update().get(pk=slot_id)
            slot.booked += delta
            slot.save(update_fields=["booked"])
            transaction.on_commit(lambda: committed.append(time.perf_counter()))
            live.slot_changed(slot)
    finally:
        connections.close_all()  # this thread's pooled connection goes back to the pool
    return committed[0], slot.free_places


class Clients:
    """``count`` websockets; each records (receive time, message) per event."""

    def __init__(self, port: int, cookies: list[str], count: int, tutor_path: str) -> None:
        self.port = port
        self.cookies = cookies
        self.count = count
        self.path = tutor_path
        self.sockets: list[Any] = []
        self.received: list[list[tuple[float, dict[str, Any]]]] = []
        self.readers: list[asyncio.Task] = []

    async def open(self, batch: int = 50) -> None:
        from django.conf import settings
        from websockets.asyncio.client import connect

        async def one(index: int) -> Any:
            cookie = self.cookies[index % len(self.cookies)]
            return await connect(
                f"ws://{HOST}:{self.port}{self.path}",
                host="127.0.0.1",
                port=self.port,
                additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
                open_timeout=30,
                ping_interval=None,
                max_queue=None,
            )

        for start in range(0, self.count, batch):
            size = min(batch, self.count - start)
            self.sockets += await asyncio.gather(*(one(start + i) for i in range(size)))
        self.received = [[] for _ in self.sockets]
        self.readers = [asyncio.create_task(self.read(i)) for i in range(len(self.sockets))]

    async def read(self, index: int) -> None:
        socket = self.sockets[index]
        mine = self.received[index]
        async for frame in socket:
            mine.append((time.perf_counter(), json.loads(frame)))

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(s.close() for s in self.sockets), return_exceptions=True)

    def refused(self) -> int:
        return sum(1 for s in self.sockets if s.close_code is not None)


async def run_events(
    clients: Clients, centre: Any, slot_id: int, events: int, pause: float
) -> list[dict[str, Any]]:
    results = []
    await asyncio.sleep(0.5)  # every consumer has joined the group (it joins before it accepts)
    for event in range(events):
        before = [len(r) for r in clients.received]
        delta = 1 if event % 2 == 0 else -1
        # A plain thread: the bookings never share the clients' event loop.
        outcome: list[tuple[float, int]] = []

        def change(delta: int = delta, outcome: list[tuple[float, int]] = outcome) -> None:
            outcome.append(change_slot(centre, slot_id, delta))

        worker = threading.Thread(target=change)
        worker.start()
        await asyncio.to_thread(worker.join)
        committed, free = outcome[0]
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline:
            if all(len(r) > b for r, b in zip(clients.received, before, strict=True)):
                break
            await asyncio.sleep(0.01)
        latencies, right = [], 0
        for r, b in zip(clients.received, before, strict=True):
            if len(r) > b:
                received_at, message = r[b]
                latencies.append(received_at - committed)
                right += message.get("id") == slot_id and message.get("free") == free
        results.append({"free": free, "latencies": latencies, "right": right})
        await asyncio.sleep(pause)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=500, help="open websockets (default 500)")
    parser.add_argument("--users", type=int, default=50, help="teachers whose sessions they use (default 50)")
    parser.add_argument("--events", type=int, default=20, help="slot changes, book/cancel (default 20)")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between events (default 0.3)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database")
    args = parser.parse_args()

    fd_limit = raise_fd_limit(args.clients * 2 + 256)
    common.database_create(DB)
    processes = []
    outcome: dict[str, Any] = {}
    try:
        env = common.django_setup(DB)
        common.flush_redis()
        common.migrate_shared()
        centre, tutor_id, slot_id, cookies = prepare(args.users)

        server, port = common.start_uvicorn("tutornet.asgi:application", env)
        processes.append(server)

        async def scenario() -> None:
            clients = Clients(port, cookies, args.clients, f"/ws/slots/?tutor={tutor_id}")
            started = time.perf_counter()
            await clients.open()
            outcome["open_s"] = time.perf_counter() - started
            try:
                await asyncio.sleep(0.2)
                outcome["refused"] = clients.refused()
                outcome["events"] = await run_events(clients, centre, slot_id, args.events, args.pause)
            finally:
                await clients.close()

        asyncio.run(scenario())
    finally:
        common.stop(processes)
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            common.database_drop(DB)

    events = outcome["events"]
    every = [x * 1000 for e in events for x in e["latencies"]]
    delivered = sum(len(e["latencies"]) for e in events)
    right = sum(e["right"] for e in events)
    expected = args.clients * args.events
    rows = [
        (
            n + 1,
            "book" if n % 2 == 0 else "cancel",
            e["free"],
            f"{len(e['latencies'])}/{args.clients}",
            common.percentile([x * 1000 for x in e["latencies"]], 50),
            common.percentile([x * 1000 for x in e["latencies"]], 95),
            max(e["latencies"], default=float("nan")) * 1000,
        )
        for n, e in enumerate(events)
    ]
    print(f"Slot fan-out — {common.machine()}")
    print(
        f"one uvicorn process, {args.clients} websockets ({args.users} teachers' sessions, "
        f"fd limit {fd_limit}), opened in {outcome['open_s']:.1f} s, refused {outcome['refused']}; "
        f"{args.events} events"
    )
    print(
        common.table(
            "Per event (ms from commit to the client's receive)",
            rows,
            ["event", "change", "free", "received", "p50 ms", "p95 ms", "max ms"],
        )
    )
    p95 = common.percentile(every, 95)
    print(
        common.table(
            "All deliveries",
            [
                (
                    f"{delivered}/{expected}",
                    right,
                    common.percentile(every, 50),
                    p95,
                    max(every, default=float("nan")),
                )
            ],
            ["received", "with the right free places", "p50 ms", "p95 ms", "max ms"],
        )
    )
    met = p95 <= 500 and delivered == expected and right == expected
    print(f"target p95 <= 500 ms and every client gets every event: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
