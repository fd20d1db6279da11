"""A second ASGI server and a second Celery worker beside the session's live stack.

``tests/conftest.py``'s ``live_stack`` runs one uvicorn server (A), one Celery worker
and the SMTP sink. :func:`second_pair` starts one more of each, the way the project
starts them (``tutornet.launcher``: uvicorn on ``tutornet.asgi:application``, a
``-P threads`` worker without gossip or mingle), with the same environment: the same
PostgreSQL database, the same Redis database, the same SMTP sink.

Every process started here dies with the test run: it is stopped by its PID when the
module is done (SIGTERM, then SIGKILL), and the kernel sends it SIGTERM should the
pytest process itself die first (``PR_SET_PDEATHSIG``), so no worker is left to eat a
later run's tasks from the shared Redis database.
"""

from __future__ import annotations

import ctypes
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.conftest import ROOT, LiveStack, free_port

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here: the child between fork and exec only calls it


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the process that started it dies."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    argv = [sys.executable, "-m", "uvicorn", "tutornet.asgi:application"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(argv, cwd=ROOT, env=env, preexec_fn=_die_with_parent)  # noqa: PLW1509 (no threads yet)


def start_worker(env: dict[str, str], name: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "celery", "-A", "tutornet", "worker", "-l", "warning", "-P", "threads"]
    argv += ["-c", "4", "-n", f"{name}@%h", "--without-gossip", "--without-mingle"]
    return subprocess.Popen(argv, cwd=ROOT, env=env, preexec_fn=_die_with_parent)  # noqa: PLW1509


def stop(processes: list[subprocess.Popen], timeout: float = 15.0) -> None:
    """SIGTERM each (a worker finishes its tasks), wait, SIGKILL what is left; by PID only."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def workers_answering(timeout: float = 1.0) -> list[str]:
    """The names of the Celery workers on this Redis database that answer a ping."""
    from tutornet.celery import app

    return sorted(name for reply in app.control.ping(timeout=timeout) for name in reply)


def wait_for_workers(prefixes: list[str], timeout: float = 90.0) -> dict[str, str]:
    """Block until one worker per name prefix answers; {prefix: full name}."""
    deadline = time.monotonic() + timeout
    while True:
        names = workers_answering()
        found = {p: n for p in prefixes for n in names if n.startswith(f"{p}@")}
        if len(found) == len(prefixes):
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers {prefixes} did not answer within {timeout:.0f}s; got {names}")
        time.sleep(0.3)


def wait_healthy(port: int, processes: list[subprocess.Popen], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        dead = [p.args for p in processes if p.poll() is not None]
        if dead:
            raise RuntimeError(f"exited while starting: {dead}")
        try:
            status, _ = http(port, "GET", "localhost", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the ASGI server on port {port} did not become healthy")
        time.sleep(0.2)


def http(
    port: int, method: str, host: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    """One request to the server on ``port`` for ``host``: (status, JSON body or text)."""
    headers = {"Host": host, "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        f"http://127.0.0.1:{port}{path}", data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


@dataclass
class TwoOfEach:
    """Two ASGI servers (A: the live stack's, B: ours) and two workers, one sink."""

    stack: LiveStack
    port_b: int
    worker_a: str
    worker_b: str
    processes: list[subprocess.Popen]

    @property
    def port_a(self) -> int:
        return self.stack.http_port


def stack_worker_name(stack: LiveStack) -> str:
    """The node name (before ``@``) of the live stack's worker as it runs now: a test may have
    restarted it under another name (tests/consultations/test_reminders.py does)."""
    args = [str(a) for a in stack.processes[0].args]
    return args[args.index("-n") + 1].split("@", 1)[0]


@contextmanager
def second_pair(stack: LiveStack, name: str) -> Iterator[TwoOfEach]:
    """Server B and worker B with the live stack's environment (its database, Redis, sink)."""
    port_b = free_port()
    processes = [start_server(stack.env, port_b), start_worker(stack.env, name)]
    try:
        wait_healthy(port_b, processes)
        first = stack_worker_name(stack)
        found = wait_for_workers([first, name])
        yield TwoOfEach(stack, port_b, found[first], found[name], processes)
    finally:
        stop(processes)
