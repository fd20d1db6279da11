"""Helpers shared by the consultation services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from tutornet.errors import PermissionDeniedError

from ..here import current_organisation, current_zone

__all__ = ["audit", "current_organisation", "current_zone", "live", "notify", "require"]


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
