"""Benchmark 3: notifications delivered end to end per second.

Writes ``--count`` notifications (in-app + e-mail) for ``--users`` people and
waits until real Celery workers (``python -m celery -A tutornet worker``) have
delivered every one: the e-mail to a local SMTP sink (bench/smtp_sink.py, its
own process), the in-app Delivery row and the WebSocket push through the
channel layer.  The clock runs from the first outbox row written to the last
Delivery row.

Two ways of writing the outbox (``--mode``):
* ``service`` (default): ``notifications.services.notification_create`` in
  transactions of ``--batch`` rows, so ``on_commit`` queues the delivery task
  exactly as a business operation does;
* ``bulk``: ``bulk_create`` of ``--batch`` rows per transaction, then one
  ``deliver_notifications`` task per batch (what the beat sweep does).

Checks that every notification has exactly one e-mail and one in-app Delivery
and that the sink received exactly ``--count`` messages.

Run from the repository root:  .venv/bin/python bench/notification_throughput.py
Target: 10,000 notifications in <= 60 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_notify_{os.getpid()}"


def sink_count(sink: subprocess.Popen) -> tuple[int, int]:
    assert sink.stdin is not None and sink.stdout is not None
    sink.stdin.write("count\n")
    sink.stdin.flush()
    messages, recipients = sink.stdout.readline().split()
    return int(messages), int(recipients)


def wait_for_workers(expected: int, timeout: float = 60.0) -> None:
    from tutornet.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= expected:
            return
    raise RuntimeError("the Celery workers did not answer in time")


def write_outbox(mode: str, count: int, batch: int, users: list) -> None:
    from django.db import transaction

    from notifications.models import Kind, Notification
    from notifications.services import _queue_delivery, notification_create

    for start in range(0, count, batch):
        size = min(batch, count - start)
        with transaction.atomic():
            if mode == "service":
                for i in range(start, start + size):
                    notification_create(
                        kind=Kind.MEMBERSHIP_CHANGED,
                        recipient=users[i % len(users)],
                        subject=f"Уведомление {i}",
                        body="Ваша роль изменена.",
                        link="/dashboard/",
                    )
            else:
                rows = Notification.objects.bulk_create(
                    [
                        Notification(
                            recipient=users[i % len(users)],
                            email=users[i % len(users)].email,
                            kind=Kind.MEMBERSHIP_CHANGED,
                            subject=f"Уведомление {i}",
                            body="Ваша роль изменена.",
                            link="/dashboard/",
                            in_app=True,
                        )
                        for i in range(start, start + size)
                    ]
                )
                ids = [row.pk for row in rows]
                transaction.on_commit(lambda ids=ids: _queue_delivery(ids))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="notifications (default 10000)")
    parser.add_argument("--users", type=int, default=200, help="recipients (default 200)")
    parser.add_argument("--batch", type=int, default=200, help="rows per transaction (default 200)")
    parser.add_argument("--mode", choices=["service", "bulk"], default="service")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--pool", default="prefork", help="worker pool: prefork or threads (default prefork)")
    parser.add_argument("--concurrency", type=int, default=2, help="concurrency per worker (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=600, help="give up after this many seconds (default 600)"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database")
    args = parser.parse_args()

    smtp_port = common.free_port()
    common.database_create(DB)
    processes: list[subprocess.Popen] = []
    result: dict[str, float] = {}
    try:
        env = common.django_setup(
            DB,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            TUTORNET_NOTIFICATION_RESEND_AFTER="3600",
        )
        common.flush_redis()
        common.migrate_shared()
        from django.db.models import Count, Max, Q

        from accounts.models import User
        from notifications.models import Delivery, Notification

        User.objects.bulk_create(
            [
                User(email=f"person{i}@school.bench", last_name="Бенчмарков", first_name=f"Учитель{i}")
                for i in range(args.users)
            ]
        )
        users = list(User.objects.order_by("pk"))

        sink = common.start(
            ["bench/smtp_sink.py", str(smtp_port)],
            env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(sink)
        assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
        for n in range(args.workers):
            processes.append(
                common.start(
                    [
                        "-m",
                        "celery",
                        "-A",
                        "tutornet",
                        "worker",
                        "-l",
                        "warning",
                        "-P",
                        args.pool,
                        "-c",
                        str(args.concurrency),
                        "-n",
                        f"bench{n}-notify@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                    env,
                )
            )
        wait_for_workers(args.workers)

        started = time.perf_counter()
        write_outbox(args.mode, args.count, args.batch, users)
        written = time.perf_counter() - started
        deadline = started + args.timeout
        while time.perf_counter() < deadline:
            if Delivery.objects.filter(channel=Delivery.Channel.EMAIL).count() >= args.count:
                break
            time.sleep(0.25)
        detected = time.perf_counter() - started
        # Precise end: the last Delivery row's own timestamp, against the wall clock at the start.
        last = Delivery.objects.aggregate(last=Max("delivered_at"))["last"]
        first = Notification.objects.order_by("created_at").values_list("created_at", flat=True).first()

        per_notification = Notification.objects.annotate(
            n_email=Count("deliveries", filter=Q(deliveries__channel="email")),
            n_in_app=Count("deliveries", filter=Q(deliveries__channel="in_app")),
        )
        result = {
            "written": written,
            "detected": detected,
            "elapsed": (last - first).total_seconds() if last and first else float("nan"),
            "notifications": Notification.objects.count(),
            "undelivered": Notification.objects.filter(delivered_at__isnull=True).count(),
            "bad_email": per_notification.exclude(n_email=1).count(),
            "bad_in_app": per_notification.exclude(n_in_app=1).count(),
        }
        time.sleep(0.5)
        result["sink"], result["sink_recipients"] = sink_count(sink)
    finally:
        if processes:
            sink = processes[0]
            if sink.stdin:
                sink.stdin.close()
        common.stop(processes)
        from django.db import connections

        connections.close_all()
        common.flush_redis()
        if not args.keep_db:
            common.database_drop(DB)

    elapsed = result["elapsed"]
    print(f"Notification throughput — {common.machine()}")
    print(
        f"mode {args.mode}, {args.workers} worker(s) -P {args.pool} -c {args.concurrency}, "
        f"{args.users} recipients, {args.batch} rows per transaction\n"
    )
    rows = [
        ("notifications written", result["notifications"]),
        ("outbox written in s", result["written"]),
        ("first row -> last Delivery, s", elapsed),
        ("notifications/s", args.count / elapsed),
        ("undelivered", result["undelivered"]),
        ("without exactly one e-mail Delivery", result["bad_email"]),
        ("without exactly one in-app Delivery", result["bad_in_app"]),
        ("mails received by the sink", result["sink"]),
    ]
    print(common.table("End to end", rows, ["figure", "value"]))
    correct = (
        result["notifications"] == args.count
        and result["undelivered"] == 0
        and result["bad_email"] == 0
        and result["bad_in_app"] == 0
        and result["sink"] == args.count
    )
    fast = elapsed <= 60 * args.count / 10_000
    print(
        f"\nevery notification delivered exactly once: {'yes' if correct else 'NO'}; "
        f"target <= 60 s per 10,000: {'met' if fast else 'NOT met'}"
    )
    return 0 if correct and fast else 1


if __name__ == "__main__":
    sys.exit(main())
