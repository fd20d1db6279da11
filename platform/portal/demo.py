"""The demo's subjects in English (the migration names the same ones in an existing database)."""

from __future__ import annotations

import importlib


def subject_name_en(code: str) -> str:
    migration = importlib.import_module("tenants.migrations.0003_subject_name_en")
    return str(migration.ENGLISH.get(code, ""))
