"""Test fixtures.

* Tenant schemas are created once per session (ARCHITECTURE section 7): the
  public tenant, a centre and two schools, in the test database.  The first new
  schema of a session runs the tenant migrations; the others replay the SQL they
  sent (tests/tenant_schemas.py): 10-15 s of Django's migration state saved on each.
* Ordinary tests run in a transaction that is rolled back.
* ``live`` tests use the real stack started once per session: a Celery
  worker, the ASGI server (uvicorn) and an SMTP sink, all on this machine,
  against the same test database and Redis.  Their data must be committed, so
  they use ``committed_db`` and make unique data instead of rolling back.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an event loop in the test thread; Django must
# still let the test make plain database calls (pytest-django + live server).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.conf import settings  # noqa: E402
from django.db import connection
from django.test import Client

from accounts.models import Membership, Role, User
from accounts.selectors import forget_district_memberships
from casebank.selectors.search_plan import first_looks_forget
from tenants.models import Organisation
from tests.factories import MembershipFactory, UserFactory
from tests.tenant_schemas import replayed_tenant_schemas
from tutornet.mailcatcher import MailCatcher, sink_start
from tutornet.tenancy import forget_hosts

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Browser tests last: Playwright's event loop must not be open during the others."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session", autouse=True)
def _fresh_redis() -> None:
    """Every run makes its test database anew, so ids start again at 1.  Whatever an
    earlier run left in the tests' Redis database (a channel group named by a tutor's
    id, a cached host, a queued task) would be taken for this run's: the tests own the
    Redis database they are given (``./run test``: database 1) and empty it first."""
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()


@dataclass
class District:
    public: Organisation
    centre: Organisation
    school_a: Organisation
    school_b: Organisation

    def host(self, organisation: Organisation) -> str:
        return organisation.domains.get(is_primary=True).domain


def _build_district() -> District:
    from tenants.bootstrap import public_tenant_ensure
    from tenants.services import organisation_create

    public = public_tenant_ensure()
    centre, _ = organisation_create(
        kind="centre", name="Центр развития образования", short_name="ЦРО", subdomain="centre"
    )
    school_a, _ = organisation_create(
        kind="school",
        name="МБОУ «Средняя школа № 1»",
        short_name="Школа № 1",
        subdomain="school1",
        centre=centre,
    )
    school_b, _ = organisation_create(
        kind="school",
        name="МБОУ «Средняя школа № 2»",
        short_name="Школа № 2",
        subdomain="school2",
        centre=centre,
    )
    return District(public=public, centre=centre, school_a=school_a, school_b=school_b)


def _databases_also_for_committed_db() -> None:
    """pytest-django creates the test database only when a collected test is
    marked ``django_db`` (or uses ``db``); a run of live tests alone, which use
    ``committed_db`` instead, would otherwise hit the development database."""
    from pytest_django import fixtures

    original = fixtures._get_databases_for_setup

    def databases_for_setup(items: Any) -> tuple[set[str], set[str]]:
        aliases, serialized = original(items)
        if any("committed_db" in getattr(item, "fixturenames", ()) for item in items):
            aliases = {*aliases, "default"}
        return aliases, serialized

    fixtures._get_databases_for_setup = databases_for_setup


_databases_also_for_committed_db()


@pytest.fixture(scope="session", autouse=True)
def _tenant_schemas_replayed() -> Iterator[None]:
    with replayed_tenant_schemas():
        yield


@pytest.fixture(scope="session")
def district(django_db_setup: None, django_db_blocker: Any) -> District:
    with django_db_blocker.unblock():
        existing = Organisation.objects.filter(schema_name__in=["public", "centre", "school1", "school2"])
        if existing.count() == 4:
            orgs = {o.schema_name: o for o in existing}
            return District(orgs["public"], orgs["centre"], orgs["school1"], orgs["school2"])
        return _build_district()


@pytest.fixture(autouse=True)
def _public_schema_after_each_test() -> Iterator[None]:
    yield
    forget_hosts()
    # A rolled-back test may have cached access that its rollback undid.
    forget_district_memberships()
    first_looks_forget()
    with contextlib.suppress(Exception):  # the test had no database access
        connection.set_schema_to_public()


@pytest.fixture
def committed_db(district: District, django_db_blocker: Any) -> Iterator[None]:
    """Database access without the rollback wrapper: for tests whose data another
    process (the Celery worker, the ASGI server) must see."""
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()


def member(organisation: Organisation, role: str = Role.TEACHER, **user_fields: Any) -> Membership:
    user = UserFactory(**user_fields)
    return MembershipFactory(user=user, organisation=organisation, role=role)


def client_for(user: User | None, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- the live stack ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveStack:
    http_port: int
    smtp_port: int
    mailbox: MailCatcher
    env: dict[str, str]
    processes: list[subprocess.Popen]

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.http_port}{path}"

    def ws_url(self, host: str, path: str = "/ws/notifications/") -> str:
        return f"ws://{host}:{self.http_port}{path}"


def live_env(smtp_port: int, http_port: int) -> dict[str, str]:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    if host.startswith("/"):
        from urllib.parse import quote

        host = quote(host, safe="")
    port = db.get("PORT") or 5432
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "TUTORNET_PUBLIC_PORT": str(http_port),
        "TUTORNET_BASE_DOMAIN": settings.BASE_DOMAIN,
        "TUTORNET_NOTIFICATION_RESEND_AFTER": "2",
        "TUTORNET_TESTING": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "tutornet.settings",
    }


def _wait_http(port: int, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz", headers={"Host": settings.BASE_DOMAIN}
            )
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (loopback only)
                if response.status == 200:
                    return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"the ASGI server on port {port} did not become healthy")


def wait_for_worker(timeout: float = 90.0) -> None:
    """Block until a Celery worker answers a task: a worker boots in seconds, more on a busy machine."""
    from tutornet.tasks import current_schema

    assert current_schema.delay().get(timeout=timeout) == "public"


def start_worker(env: dict[str, str], name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tutornet",
            "worker",
            "-l",
            "warning",
            "-P",
            "threads",
            "-c",
            "4",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )


@pytest.fixture(scope="session")
def live_stack(district: District, django_db_blocker: Any) -> Iterator[LiveStack]:
    mailbox = MailCatcher(keep=True)  # the project's one SMTP sink, keeping what arrives
    smtp_port = free_port()
    controller = sink_start(mailbox, smtp_port)
    http_port = free_port()
    env = live_env(smtp_port, http_port)
    # Nothing from an earlier run may be waiting in the test broker.
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("celery")
    processes = [
        start_worker(env, f"test-{os.getpid()}"),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "tutornet.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(http_port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        ),
    ]
    try:
        _wait_http(http_port)
        wait_for_worker()
        yield LiveStack(
            http_port=http_port, smtp_port=smtp_port, mailbox=mailbox, env=env, processes=processes
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        controller.stop()
        with django_db_blocker.unblock():
            _drop_other_sessions()


def _drop_other_sessions() -> None:
    """Sessions of the stopped processes may linger a moment; the test database
    can only be dropped at the end of the run without them."""
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
