from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .selectors import membership_for


class MembershipMiddleware:
    """Attach ``request.membership``: the signed-in user's active membership in
    the organisation of this host, or None (ARCHITECTURE section 3)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organisation = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        request.membership = (  # type: ignore[attr-defined]
            membership_for(user, organisation) if user is not None and organisation is not None else None
        )
        if user is not None and user.is_authenticated:
            # The person's own language wins over the browser's.
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
        return self.get_response(request)
