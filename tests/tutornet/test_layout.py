"""The tree shows the architecture: which apps live in the public schema, which in every
organisation's schema (README, Layout).

* ``platform/`` holds the project (``tutornet``, not an app) and the shared apps: their
  tables are in the public schema, one copy for the whole district.
* The top level holds the tenant apps: their tables are in every organisation's schema.
* ``tenants/`` is the one exception, named here: a shared app (organisations, domains,
  the directories) kept at the top level next to the services it onboards.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# Shared apps of the project that live at the top level (everything else shared is in platform/).
SHARED_AT_TOP_LEVEL = {"tenants"}


def _apps_in(folder: Path) -> set[str]:
    return {path.parent.name for path in folder.glob("*/apps.py")}


def _own(apps: list[str]) -> set[str]:
    """The project's own apps among INSTALLED-style names (no third-party, no django.contrib)."""
    own = _apps_in(ROOT / "platform") | _apps_in(ROOT)
    return {app for app in apps if app in own}


def test_platform_holds_exactly_the_shared_apps() -> None:
    assert _apps_in(ROOT / "platform") == _own(settings.SHARED_APPS) - SHARED_AT_TOP_LEVEL
    assert not (ROOT / "platform" / "tutornet" / "apps.py").exists()  # the project, not an app


def test_the_top_level_holds_exactly_the_tenant_apps_and_the_named_exception() -> None:
    top_level = _apps_in(ROOT)
    assert top_level - SHARED_AT_TOP_LEVEL == _own(settings.TENANT_APPS)
    assert set(settings.SHARED_APPS) >= SHARED_AT_TOP_LEVEL
    assert not SHARED_AT_TOP_LEVEL & set(settings.TENANT_APPS)


def test_no_app_is_both_shared_and_per_organisation() -> None:
    assert _own(settings.SHARED_APPS) & _own(settings.TENANT_APPS) == set()
