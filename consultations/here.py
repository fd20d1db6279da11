"""Where a consultation read or write runs: the organisation whose schema is active, and its zone.

Neutral ground for selectors and services alike (selectors never import services).
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import connection

from tenants.models import Organisation


def current_organisation() -> Organisation | None:
    """The organisation whose schema is active (None under a bare ``schema_context``)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation):
        return tenant
    return Organisation.objects.filter(schema_name=connection.schema_name).first()  # type: ignore[attr-defined]


def current_zone() -> zoneinfo.ZoneInfo:
    organisation = current_organisation()
    return organisation.zone if organisation is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)
