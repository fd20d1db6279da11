"""The settings a typo would break silently (STYLE: "a test asserts the critical settings")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_shared_apps_start_with_django_tenants_and_hold_the_tenants_app() -> None:
    assert settings.SHARED_APPS[0] == "django_tenants"
    assert "tenants" in settings.SHARED_APPS
    for app in ("accounts", "notifications", "django.contrib.auth", "django.contrib.sessions"):
        assert app in settings.SHARED_APPS


def test_tenant_apps_hold_the_organisation_services() -> None:
    for app in ("consultations", "casebank", "tutorials"):
        assert app in settings.TENANT_APPS
        assert app not in settings.SHARED_APPS


def test_installed_apps_have_no_duplicates_and_keep_the_declared_order() -> None:
    installed = list(settings.INSTALLED_APPS)
    assert len(installed) == len(set(installed))
    assert installed[: len(settings.SHARED_APPS)] == list(settings.SHARED_APPS)
    tenant_only = [app for app in settings.TENANT_APPS if app not in settings.SHARED_APPS]
    assert installed[len(settings.SHARED_APPS) :] == tenant_only


def test_database_goes_through_the_tenant_backend_and_router() -> None:
    assert settings.DATABASES["default"]["ENGINE"] == "django_tenants.postgresql_backend"
    assert settings.DATABASE_ROUTERS == ["django_tenants.routers.TenantSyncRouter"]
    assert settings.TENANT_MODEL == "tenants.Organisation"
    assert settings.TENANT_DOMAIN_MODEL == "tenants.Domain"


def test_search_path_is_set_only_when_the_schema_changes() -> None:
    assert settings.TENANT_LIMIT_SET_CALLS is True


def test_celery_and_channels_use_redis() -> None:
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


def test_beat_schedule_resends_stuck_notifications() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.resend_stuck" in tasks


def test_language_and_time_defaults_are_russian_and_moscow() -> None:
    assert settings.LANGUAGE_CODE == "ru"
    assert [code for code, _ in settings.LANGUAGES] == ["ru", "en"]
    assert settings.USE_TZ is True
    assert settings.USE_I18N is True


def _settings_in_a_clean_process(expression: str, **env_overrides: str) -> str:
    """``expression`` on freshly imported settings, under the given environment (defaults otherwise)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "TIME_ZONE",
            "TUTORNET_BASE_DOMAIN",
            "SESSION_COOKIE_DOMAIN",
            "DB_POOL_MAX",
            "TUTORNET_ASGI",
            "TUTORNET_TESTING",
        }
    }
    env.update(env_overrides, PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    code = f"from tutornet import settings; print(repr({expression}))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_time_zone_defaults_to_moscow_when_the_environment_says_nothing() -> None:
    assert _settings_in_a_clean_process("settings.TIME_ZONE") == "'Europe/Moscow'"


def test_one_sign_in_covers_every_subdomain_of_a_dotted_base_domain() -> None:
    cookie_domain = _settings_in_a_clean_process(
        "(settings.SESSION_COOKIE_DOMAIN, settings.CSRF_COOKIE_DOMAIN)",
        TUTORNET_BASE_DOMAIN="tutornet.example.ru",
    )
    assert cookie_domain == "('.tutornet.example.ru', '.tutornet.example.ru')"


def test_on_bare_localhost_the_session_cookie_stays_host_only() -> None:
    # Browsers drop `Domain=.localhost` (a single label), so the portals sign in by hop there.
    assert (
        _settings_in_a_clean_process("settings.SESSION_COOKIE_DOMAIN", TUTORNET_BASE_DOMAIN="localhost")
        == "None"
    )


def test_cache_keys_and_uploaded_files_are_separated_per_organisation() -> None:
    assert settings.CACHES["default"]["KEY_FUNCTION"] == "django_tenants.cache.make_key"
    assert settings.STORAGES["default"]["BACKEND"] == "django_tenants.files.storage.TenantFileSystemStorage"


def test_the_sign_in_throttle_is_installed() -> None:
    assert "axes" in settings.INSTALLED_APPS
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_tenant_resolution_is_the_first_middleware() -> None:
    assert settings.MIDDLEWARE[0] == "tutornet.middleware.CachedTenantMiddleware"


def test_only_the_asgi_server_pools_database_connections_by_default() -> None:
    """A process that forks after touching the database must not hold a pool: the children
    would share its sockets (``migrate_schemas --executor=multiprocessing`` hung on it)."""
    assert _settings_in_a_clean_process("settings.DB_POOL_MAX") == "0"
    assert _settings_in_a_clean_process("settings.DB_POOL_MAX", TUTORNET_ASGI="1") == "10"
    assert _settings_in_a_clean_process("settings.DB_POOL_MAX", TUTORNET_ASGI="1", DB_POOL_MAX="3") == "3"
    # Importing the ASGI entry point is what marks the server process.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUTORNET_", "DB_POOL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tutornet.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    )
    code = "import tutornet.asgi; from django.conf import settings; print(settings.DB_POOL_MAX)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "10"


def _start_settings(**env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides, PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    code = "from tutornet import settings; print('started')"
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)


def test_with_debug_off_the_platform_refuses_the_built_in_secret_key() -> None:
    """The built-in key is public: with it anyone could forge a portal-hop ticket (sign in as anyone)."""
    for overrides in ({}, {"SECRET_KEY": ""}, {"SECRET_KEY": settings.DEV_SECRET_KEY}, {"DEBUG": "0"}):
        result = _start_settings(**overrides)
        assert result.returncode != 0, overrides
        assert "ImproperlyConfigured" in result.stderr and "Set the SECRET_KEY environment variable" in (
            result.stderr
        )
        assert "started" not in result.stdout


def test_a_key_of_its_own_or_debug_lets_the_platform_start() -> None:
    assert _start_settings(SECRET_KEY="a-real-key-" + "x1y2z3" * 8).stdout.strip() == "started"
    assert _start_settings(DEBUG="1").stdout.strip() == "started"


def test_the_tests_and_run_use_a_key_of_their_own() -> None:
    assert settings.SECRET_KEY != settings.DEV_SECRET_KEY
    assert os.environ["SECRET_KEY"] == settings.SECRET_KEY  # the live stack's processes sign alike
