from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    organisation = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    unread: int | None = None
    if membership is not None:
        from notifications.services import unread_count

        unread = unread_count(membership.user_id)
    return {
        "unread": unread,
        "organisation": organisation,
        "membership": membership,
        "is_public_site": organisation is None or organisation.schema_name == settings.PUBLIC_SCHEMA_NAME,
        "BASE_DOMAIN": settings.BASE_DOMAIN,
    }
