"""Helpers shared by the campaign services."""

from __future__ import annotations

from typing import Any

from django.db import connection

from accounts.models import AuditEvent, User
from tenants.models import Organisation

from ..errors import CampaignPermissionError


def current_organisation() -> Organisation | None:
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation):
        return tenant
    return Organisation.objects.filter(schema_name=connection.schema_name).first()  # type: ignore[attr-defined]


def audit(*, actor: User | None, action: str, target: object = "", **data: Any) -> None:
    AuditEvent.objects.create(
        actor=actor, organisation=current_organisation(), action=action, target=str(target)[:200], data=data
    )


def require(allowed: bool) -> None:
    if not allowed:
        raise CampaignPermissionError()
