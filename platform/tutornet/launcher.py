"""What ``./run`` does once the virtualenv is ready.

``python -m tutornet.launcher demo``    services, migrations, demo district, then the
                                         ASGI server, a Celery worker, Celery beat and a
                                         mail catcher together until Ctrl-C.
``python -m tutornet.launcher test ...`` services, Chromium, then ``pytest ...``.
``python -m tutornet.launcher manage ...`` services, then ``python -m django ...``.

Children run in their own sessions, so Ctrl-C reaches only this supervisor,
which stops them in order: SIGTERM to each process group, a wait, SIGKILL
for whatever is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutornet.services_env import Services, chromium_ensure, free_port, port_is_free, say, services_ensure

ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("TUTORNET_VAR_DIR", str(ROOT / "var")))
STOP_TIMEOUT = 10.0


class Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def _raise_stop(signum: int, frame: Any) -> None:
    raise Stop(signal.Signals(signum).name)


def _ignore_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def dev_secret_key(var_dir: Path = VAR_DIR) -> str:
    """This machine's own development key, made once and kept in ``var/dev-secret-key``.

    The settings refuse the built-in (public) key with DEBUG off; ``./run`` gives its
    processes this one instead, so sessions survive a restart of the demo and no
    published key ever signs anything.
    """
    path = var_dir / "dev-secret-key"
    if not path.exists():
        import secrets

        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text("dev-" + secrets.token_urlsafe(48) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def django_env(services: Services, **extra: str) -> dict[str, str]:
    python_path = [str(ROOT / "platform"), str(ROOT)]
    if os.environ.get("PYTHONPATH"):
        python_path.append(os.environ["PYTHONPATH"])
    return {
        "SECRET_KEY": dev_secret_key(),
        **os.environ,
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "PYTHONPATH": os.pathsep.join(python_path),
        "DJANGO_SETTINGS_MODULE": "tutornet.settings",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> None:
    say("python -m django " + " ".join(args))
    subprocess.run([sys.executable, "-m", "django", *args], cwd=ROOT, env=env, check=True)


# --- the supervisor --------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    process: subprocess.Popen


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        say(f"starting {name}")
        process = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
        child = Child(name, process)
        self.children.append(child)
        return child

    def first_dead(self) -> Child | None:
        return next((c for c in self.children if c.process.poll() is not None), None)

    def _signal_group(self, child: Child, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signum)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM every child's process group, wait, then SIGKILL what is left."""
        # Web first (no new work), then beat, then the worker finishing its tasks.
        for child in reversed(self.children):
            if child.process.poll() is None:
                say(f"stopping {child.name}")
            self._signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                say(f"{child.name} did not stop within {timeout:.0f}s: killing it")
        for child in self.children:
            # The group may hold grandchildren (worker threads' helpers, reloaders).
            self._signal_group(child, signal.SIGKILL)
            if child.process.poll() is None:
                child.process.wait()


def wait_healthy(port: int, host: str, supervisor: Supervisor, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/healthz"
    while time.monotonic() < deadline:
        dead = supervisor.first_dead()
        if dead is not None:
            raise RuntimeError(f"{dead.name} exited with code {dead.process.returncode} while starting")
        try:
            request = urllib.request.Request(url, headers={"Host": host})
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (loopback only)
                if response.status == 200:
                    return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"the ASGI server did not answer {url} within {timeout:.0f}s")


# --- ./run demo ---------------------------------------------------------------------------------


def _banner(base_domain: str, port: int, smtp_port: int, mail_dir: Path) -> str:
    import django

    django.setup()
    from tenants.demo import DEMO_PASSWORD, DEMO_SCHOOLS, demo_sign_ins

    urls = [
        ("the platform (operator's site)", f"http://{base_domain}:{port}/"),
        ("the centre", f"http://centre.{base_domain}:{port}/"),
        *((spec.short_name, f"http://{spec.subdomain}.{base_domain}:{port}/") for spec in DEMO_SCHOOLS),
    ]
    lines = ["", "=" * 78, "Tutornet demo district is running (Тьюторская сеть: демо-округ)", ""]
    lines += [f"  {url:<40} {what}" for what, url in urls]
    lines += [
        "",
        f"  API docs: http://centre.{base_domain}:{port}/api/docs/",
        f"  Mail: every e-mail goes to the catcher on 127.0.0.1:{smtp_port}; it prints links here",
        f"        and saves each message in {mail_dir}/",
        "",
        f"Demo sign-ins (password for all: {DEMO_PASSWORD}):",
    ]
    lines += [f"  {email:<30} {name:<32} {roles}" for email, name, roles in demo_sign_ins()]
    lines += ["", "Press Ctrl-C to stop everything.", "=" * 78, ""]
    return "\n".join(lines)


def demo(args: list[str]) -> int:
    port = int(os.environ.get("TUTORNET_PORT", "8000"))
    if not port_is_free(port, "0.0.0.0"):  # noqa: S104 (the demo is meant to be reachable on the LAN)
        say(f"port {port} is in use: stop what holds it or set TUTORNET_PORT")
        return 1
    base_domain = os.environ.get("TUTORNET_BASE_DOMAIN", "localhost")
    smtp_port = free_port(int(os.environ.get("TUTORNET_SMTP_PORT", "1025")))
    mail_dir = VAR_DIR / "mail"

    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    services: Services | None = None
    supervisor = Supervisor()
    catcher = None
    code = 0
    try:
        services = services_ensure(VAR_DIR)
        env = django_env(
            services,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            TUTORNET_PUBLIC_PORT=os.environ.get("TUTORNET_PUBLIC_PORT", str(port)),
            TUTORNET_BASE_DOMAIN=base_domain,
        )
        os.environ.update(env)  # for the banner, which reads the settings
        manage(env, "migrate_schemas", "--shared", "--noinput", "-v", "0")
        manage(env, "migrate_schemas", "--tenant", "--noinput", "--executor=multiprocessing", "-v", "0")
        manage(env, "seed_demo", "--quiet-sign-ins", "--force")  # the demo is what ./run demo is for

        from tutornet.mailcatcher import mailcatcher_start

        catcher = mailcatcher_start(mail_dir, smtp_port)
        say(f"mail catcher listening on 127.0.0.1:{smtp_port}, saving to {mail_dir}")
        python = sys.executable
        log_level = os.environ.get("TUTORNET_LOG_LEVEL", "info")
        # --timeout-keep-alive 75, as in docker-compose.yml and the Dockerfile (a teacher saving every
        # few seconds keeps one connection; uvicorn's 5 s closed it between saves).
        web = (
            f"-m uvicorn tutornet.asgi:application --port {port} --no-access-log --log-level {log_level}"
            " --timeout-keep-alive 75"
        )
        supervisor.start("web (uvicorn)", [python, *web.split(), "--host", "0.0.0.0"], env)  # noqa: S104 (LAN demo)
        worker = "-m celery -A tutornet worker -l warning -P threads -c 4 --without-gossip --without-mingle"
        # Threads share one pool of connections (the prefork pool must not: see DB_POOL_MAX).
        worker_env = {**env, "DB_POOL_MAX": os.environ.get("DB_POOL_MAX", "4")}
        supervisor.start(
            "celery worker", [python, *worker.split(), "-n", f"demo-{os.getpid()}@%h"], worker_env
        )
        beat = "-m celery -A tutornet beat -l warning"
        supervisor.start(
            "celery beat", [python, *beat.split(), "-s", str(VAR_DIR / "celerybeat-schedule")], env
        )
        wait_healthy(port, base_domain, supervisor)
        print(_banner(base_domain, port, smtp_port, mail_dir), flush=True)
        while True:
            dead = supervisor.first_dead()
            if dead is not None:
                say(f"{dead.name} exited with code {dead.process.returncode}: stopping the rest")
                code = 1
                break
            time.sleep(0.5)
    except Stop:
        print(flush=True)
        say("stopping ...")
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        say(f"failed: {exc}")
        code = 1
    finally:
        _ignore_signals()  # a second Ctrl-C must not cut the clean-up short
        supervisor.stop()
        if catcher is not None:
            catcher.stop()
        if services is not None:
            services.stop()
        say("stopped")
    return code


# --- ./run test and ./run manage ---------------------------------------------------------------------


def _run_foreground(argv: list[str], env: dict[str, str]) -> int:
    """Run a command that shares our terminal: Ctrl-C reaches it directly, we only wait."""
    process = subprocess.Popen(argv, cwd=ROOT, env=env)

    def forward(signum: int, frame: Any) -> None:
        process.send_signal(signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, forward)
    return process.wait()


def test(args: list[str]) -> int:
    services = services_ensure(VAR_DIR, redis_db=1)
    try:
        extra = {}
        chromium = chromium_ensure()
        if chromium:
            extra["TUTORNET_CHROMIUM"] = chromium
        env = django_env(services, **extra)
        say("python -m pytest " + " ".join(args))
        return _run_foreground([sys.executable, "-m", "pytest", *args], env)
    finally:
        _ignore_signals()
        services.stop()


def manage_command(args: list[str]) -> int:
    services = services_ensure(VAR_DIR)
    try:
        return _run_foreground([sys.executable, "-m", "django", *args], django_env(services))
    finally:
        _ignore_signals()
        services.stop()


COMMANDS = {"demo": demo, "test": test, "manage": manage_command}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print("usage: ./run demo | ./run test [pytest args] | ./run manage <django command>", file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
