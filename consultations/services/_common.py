"""Helpers shared by the consultation services."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from tenants.models import Organisation
from tutornet.errors import PermissionDeniedError


def current_organisation() -> Organisation | None:
    """The organisation whose schema is active (None under a bare ``schema_context``)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation):
        return tenant
    return Organisation.objects.filter(schema_name=connection.schema_name).first()  # type: ignore[attr-defined]


def current_zone() -> zoneinfo.ZoneInfo:
    organisation = current_organisation()
    return organisation.zone if organisation is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def audit(*, actor: User | None, action: str, target: object = "", **data: Any) -> None:
    AuditEvent.objects.create(
        actor=actor,
        organisation=current_organisation(),
        action=action,
        target=str(target)[:200],
        data=data,
    )


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("You do not have permission to do this."))


def notify() -> Any:
    # Imported at call time: the notifications side is its own module.
    from consultations import notify as module

    return module


def live() -> Any:
    from consultations import live as module

    return module
