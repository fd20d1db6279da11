"""New tenant schemas in the tests: the first one is migrated, the next ones replay its SQL.

Running the tenant migrations in a new schema costs 10–15 s on a 2-core machine, nearly all
of it Django rebuilding its in-memory model state after each operation (about 300 model
reloads for some 70 migrations), not PostgreSQL.  That work is the same for every schema,
and the suite makes about twenty (the session's district, every onboarding test, every test
that seeds the demo's third school).

So the first schema of a session is made the real way (``migrate_schemas`` through
django-tenants, as in production), and every statement it sends that changes the database
is recorded.  Each later schema is ``CREATE SCHEMA`` and the same statements, in order, with
the search path on the new schema: the same tables, constraints (with their names),
indexes, rows (content types, ``django_migrations``).  ``tests/tenants/test_schema_replay.py``
compares a replayed schema with the migrated one in the catalogue, column by column.

django-tenants' own clone (``TENANT_BASE_SCHEMA``) is not used: it renames the unique
constraints (``..._key`` instead of Django's names), which the 409 messages rely on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django_tenants.models import TenantMixin
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import get_public_schema_name, schema_exists

# Statements that read, or that only steer the session: not part of the recipe.
_NOT_RECORDED = re.compile(
    r"^\s*(SELECT\b(?!.*\b(setval|nextval)\s*\()|SHOW\b|SAVEPOINT\b|RELEASE\s+SAVEPOINT\b"
    r"|ROLLBACK\s+TO\s+SAVEPOINT\b|SET\s+search_path\b|CREATE\s+SCHEMA\b)",
    re.IGNORECASE | re.DOTALL,
)


class _Recipe:
    def __init__(self) -> None:
        self.statements: list[tuple[str, Any, bool]] | None = None
        self.migrated_schema: str | None = None  # the schema the recipe was recorded in
        self.replayed: list[str] = []


RECIPE = _Recipe()


class _Recorder:
    def __init__(self, schema_name: str) -> None:
        self.schema_name = schema_name
        self.statements: list[tuple[str, Any, bool]] = []
        self.usable = True
        self._names_the_schema = re.compile(rf'"{re.escape(schema_name)}"|\b{re.escape(schema_name)}\.')

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not _NOT_RECORDED.match(sql):
            self.statements.append((sql, params, many))
            # A statement naming the schema would write into the first one again: no recipe.
            if self._names_the_schema.search(sql) or (
                not many and params is not None and self.schema_name in [str(p) for p in params]
            ):
                self.usable = False
        return result


def _create_schema(
    tenant: TenantMixin, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
) -> bool | None:
    _check_schema_name(tenant.schema_name)
    if check_if_exists and schema_exists(tenant.schema_name):
        return False
    if not sync_schema or tenant.schema_name == get_public_schema_name():
        return _original_create_schema(tenant, check_if_exists, sync_schema, verbosity)
    if RECIPE.statements is None:
        recorder = _Recorder(tenant.schema_name)
        with connection.execute_wrapper(recorder):
            created = _original_create_schema(tenant, check_if_exists, sync_schema, verbosity)
        if recorder.usable:
            RECIPE.statements, RECIPE.migrated_schema = recorder.statements, tenant.schema_name
        return created
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{tenant.schema_name}"')
    connection.set_schema(tenant.schema_name)  # type: ignore[attr-defined]  # the search path: new, public
    with connection.cursor() as cursor:
        for sql, params, many in RECIPE.statements:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    RECIPE.replayed.append(tenant.schema_name)
    return None


_original_create_schema = TenantMixin.create_schema


@contextmanager
def replayed_tenant_schemas() -> Iterator[_Recipe]:
    TenantMixin.create_schema = _create_schema  # type: ignore[method-assign,assignment]
    try:
        yield RECIPE
    finally:
        TenantMixin.create_schema = _original_create_schema  # type: ignore[method-assign]
