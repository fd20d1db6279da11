"""Diagnostic tasks of the platform itself."""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="tutornet.current_schema")
def current_schema() -> str:
    """The schema this task ran in: proves a task carries the tenant it was sent from."""
    return str(connection.schema_name)  # type: ignore[attr-defined]  # django-tenants' backend
