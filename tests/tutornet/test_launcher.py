"""The pieces of ``./run demo``: the supervisor stops whole process groups, the mail
catcher saves each message and prints its links, the service probes tell up from down."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, urlsplit

from tutornet.launcher import Child, Supervisor
from tutornet.mailcatcher import mailcatcher_start
from tutornet.services_env import free_port, postgres_answers, redis_answers, with_redis_db

# A child that starts a grandchild in its own process group and ignores SIGTERM:
# the worst case a supervisor meets.
STUBBORN = (
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "print(g.pid, flush=True)\n"
    "time.sleep(600)\n"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_supervisor_stop_leaves_no_child_or_grandchild_alive(tmp_path: Path) -> None:
    supervisor = Supervisor()
    out = tmp_path / "grandchild.pid"
    with out.open("w") as handle:
        process = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=handle, start_new_session=True)
    supervisor.children.append(Child("stubborn", process))
    deadline = time.monotonic() + 10
    while not out.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(out.read_text())
    assert _alive(process.pid) and _alive(grandchild)

    started = time.monotonic()
    supervisor.stop(timeout=1.0)
    assert time.monotonic() - started < 5
    time.sleep(0.2)
    assert process.poll() is not None
    assert not _alive(grandchild)


def test_supervisor_reports_a_child_that_died() -> None:
    supervisor = Supervisor()
    child = supervisor.start("short-lived", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ))
    child.process.wait(10)
    dead = supervisor.first_dead()
    assert dead is child and dead.process.returncode == 3
    supervisor.stop(timeout=1.0)


def test_mail_catcher_saves_each_message_and_prints_its_links(tmp_path: Path) -> None:
    printed: list[str] = []
    port = free_port()
    controller = mailcatcher_start(tmp_path, port, echo=printed.append)
    try:
        message = EmailMessage()
        message["From"] = "noreply@tutornet.local"
        message["To"] = "school1-teacher1@example.org"
        message["Subject"] = "Приглашение в Тьюторскую сеть"
        message.set_content("Откройте ссылку: http://school1.localhost:8000/invite/abc123/\nСпасибо.")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    saved = list(tmp_path.glob("*.eml"))
    assert len(saved) == 1
    assert b"invite/abc123" in saved[0].read_bytes()
    assert len(printed) == 1
    assert "Приглашение в Тьюторскую сеть" in printed[0]
    assert "school1-teacher1@example.org" in printed[0]
    assert "http://school1.localhost:8000/invite/abc123/" in printed[0]


def test_service_probes_tell_a_running_server_from_a_closed_port() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    assert postgres_answers(f"postgres://{db['USER'] or 'postgres'}@{host}:{db['PORT'] or 5432}/x")
    redis = urlsplit(settings.REDIS_URL)
    assert redis_answers(redis.hostname or "127.0.0.1", redis.port or 6379)
    closed = free_port()
    assert not postgres_answers(f"postgres://postgres@127.0.0.1:{closed}/x", timeout=1)
    assert not redis_answers("127.0.0.1", closed)
    assert with_redis_db("redis://127.0.0.1:6379/0", 1) == "redis://127.0.0.1:6379/1"
