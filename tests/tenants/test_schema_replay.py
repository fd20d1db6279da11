"""The tests' new tenant schemas (tests/tenant_schemas.py) are the migrated one, replayed exactly.

Every schema a test session makes after its first is ``CREATE SCHEMA`` and the SQL the first
one's tenant migrations sent.  This compares the two in PostgreSQL's catalogue: every column
(type, default, nullability, identity), every constraint and index by name and definition,
every relation, the migrations recorded and the content types.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tenants.models import Organisation
from tenants.services import organisation_create
from tests.conftest import District
from tests.tenant_schemas import RECIPE

pytestmark = pytest.mark.django_db


def _rows(sql: str, schema: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"schema": schema})
        return [
            tuple(str(value).replace(f"{schema}.", "<schema>.") for value in row) for row in cursor.fetchall()
        ]


def catalogue(schema: str) -> dict[str, list[tuple[Any, ...]]]:
    parts = {
        "columns": _rows(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity,"
            " character_maximum_length, numeric_precision, numeric_scale, collation_name"
            " FROM information_schema.columns WHERE table_schema = %(schema)s"
            " ORDER BY table_name, ordinal_position",
            schema,
        ),
        "relations": _rows(
            "SELECT c.relname, c.relkind, c.relpersistence, array_to_string(c.reloptions, ',')"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %(schema)s ORDER BY 1",
            schema,
        ),
        "constraints": _rows(
            "SELECT c.relname, co.conname, co.contype, co.condeferrable, co.condeferred,"
            " pg_get_constraintdef(co.oid)"
            " FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid"
            " JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname = %(schema)s ORDER BY 1, 2",
            schema,
        ),
        "indexes": _rows(
            "SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = %(schema)s ORDER BY 1, 2",
            schema,
        ),
        "storage": _rows(
            "SELECT c.relname, a.attname, a.attstorage FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %(schema)s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
            " ORDER BY 1, 2",
            schema,
        ),
        "triggers": _rows(
            "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %(schema)s AND NOT t.tgisinternal ORDER BY 1, 2",
            schema,
        ),
    }
    with schema_context(schema):  # the search path: the schema's own django_migrations first
        parts["migrations"] = _rows("SELECT app, name FROM django_migrations ORDER BY 1, 2", schema)
        parts["content_types"] = _rows(
            "SELECT id, app_label, model FROM django_content_type ORDER BY 1", schema
        )
    return parts


def _school(district: District, subdomain: str) -> Organisation:
    school, _ = organisation_create(
        kind="school", name=subdomain, short_name=subdomain, subdomain=subdomain, centre=district.centre
    )
    return school


def test_a_replayed_schema_is_the_migrated_one_in_every_table_constraint_index_and_row(
    district: District,
) -> None:
    migrated = RECIPE.migrated_schema
    if migrated is None or not Organisation.objects.filter(schema_name=migrated).exists():
        # This run made no schema before (a reused database): the first one here is migrated.
        RECIPE.statements = None
        migrated = _school(district, "replay-migrated").schema_name
        assert RECIPE.migrated_schema == migrated
    replayed = _school(district, "replay-copy").schema_name
    assert RECIPE.replayed[-1] == replayed

    expected, got = catalogue(migrated), catalogue(replayed)
    assert len(expected["columns"]) > 300 and len(expected["constraints"]) > 300
    assert len(expected["migrations"]) > 50 and len(expected["content_types"]) > 50
    for part in expected:
        assert got[part] == expected[part], part
