from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .selectors import district_membership_for, membership_for


class MembershipMiddleware:
    """Attach ``request.membership``: the signed-in user's active membership in
    the organisation of this host, or None (ARCHITECTURE section 3); and
    ``request.district_membership``: the membership that
    lets the user use this organisation's services, which for a centre includes
    the staff of its schools (see ``district_membership_for``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organisation = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        request.membership = (  # type: ignore[attr-defined]
            membership_for(user, organisation) if user is not None and organisation is not None else None
        )
        membership = request.membership  # type: ignore[attr-defined]
        request.district_membership = (  # type: ignore[attr-defined]
            membership
            if membership is not None or organisation is None or user is None
            else district_membership_for(user, organisation)
        )
        if user is not None and user.is_authenticated:
            # The person's own language wins over the browser's.
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
        return self.get_response(request)
