from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    organisation = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    # Whoever may use this organisation (its members, and a centre's school staff) gets the bell.
    user_of_services = getattr(request, "district_membership", None)
    unread: int | None = None
    if user_of_services is not None:
        from notifications.services import unread_count

        unread = unread_count(user_of_services.user_id)
    return {
        "unread": unread,
        "show_bell": user_of_services is not None,
        "organisation": organisation,
        "membership": membership,
        "is_public_site": organisation is None or organisation.schema_name == settings.PUBLIC_SCHEMA_NAME,
        "BASE_DOMAIN": settings.BASE_DOMAIN,
    }
