from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from tenants.models import Organisation

from .selectors import district_membership_for, membership_for

# The person ``attach_memberships`` last resolved for a request (None: nobody signed in).
_RESOLVED_FOR = "_memberships_resolved_for"


def attach_memberships(request: HttpRequest, user: Any) -> None:
    """Set ``request.membership``, the user's active membership in the organisation of this
    host, or None (ARCHITECTURE section 3); and ``request.district_membership``, the
    membership that lets the user use this organisation's services, which for a centre
    includes the staff of its schools (see ``district_membership_for``).

    Once per request and person: ``MembershipMiddleware`` calls it for the session user,
    ``tutornet.api.TutornetAPIView`` again only when DRF authenticated someone else (a token).
    """
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    if hasattr(request, _RESOLVED_FOR) and getattr(request, _RESOLVED_FOR) == user_id:
        return
    organisation = getattr(request, "tenant", None)
    own = district = None
    if user_id is not None and organisation is not None:
        if organisation.kind == Organisation.Kind.CENTRE:
            # The own membership comes first in the district one (and that one is cached).
            district = district_membership_for(user, organisation)
            own = district if district is not None and district.organisation_id == organisation.pk else None
        else:
            own = district = membership_for(user, organisation)
    request.membership = own  # type: ignore[attr-defined]
    request.district_membership = district  # type: ignore[attr-defined]
    setattr(request, _RESOLVED_FOR, user_id)


class MembershipMiddleware:
    """Attach the signed-in user's memberships to the request (``attach_memberships``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        attach_memberships(request, user)
        if user is not None and user.is_authenticated:
            # The person's own language wins over the browser's.
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
        return self.get_response(request)
