"""Shared API plumbing.

* Domain errors become 4xx JSON bodies naming the field, never 500s.
* ``IsMemberOfThisOrganisation``: every organisation endpoint is scoped to the
  organisation of the Host, exactly like the HTML pages (ARCHITECTURE section 3).
* ``TutornetAPIView``: the base of every endpoint (the caller's language, the
  membership resolved for token-authenticated callers, pagination).
* ``TokenScheme``: the OpenAPI scheme of ``tutornet.tokens.TokenAuthentication``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.middleware import attach_memberships
from accounts.models import Membership
from tutornet.errors import TutornetError

if TYPE_CHECKING:
    from accounts.models import User
    from tenants.models import Organisation


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, TutornetError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body[exc.field] = [exc.message]
        return Response(body, status=exc.status)
    return drf_exception_handler(exc, context)


# --- tokens --------------------------------------------------------------------------


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of ``TokenAuthentication`` (knox's, by drf-spectacular)."""

    target_class = "tutornet.tokens.TokenAuthentication"


# --- the caller's membership -------------------------------------------------------


def membership_of(request: Request) -> Membership | None:
    """The caller's active membership in the organisation of this host, or None
    (``accounts.middleware.attach_memberships``, run again for a token user by
    ``TutornetAPIView.perform_authentication``)."""
    return getattr(request._request, "membership", None)


def district_membership_of(request: Request) -> Membership | None:
    """The membership that lets the caller use this organisation's services, or None: for a
    centre, also a membership in one of its schools."""
    return getattr(request._request, "district_membership", None)


class IsMemberOfThisOrganisation(BasePermission):
    """An active member of the organisation served on this host (whatever the auth method)."""

    message = _("You are not a member of this organisation.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return membership_of(request) is not None


# --- base view and pagination ---------------------------------------------------------


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class TutornetAPIView(APIView):
    """Base of every endpoint: signed-in callers only, answers in the caller's language."""

    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)
        # The middleware did this for session users; a token user is known only now.
        attach_memberships(request._request, request.user)
        language = getattr(request.user, "language", None)
        if language:
            translation.activate(language)
            request._request.LANGUAGE_CODE = language  # type: ignore[attr-defined]

    @property
    def actor(self) -> User:
        """The signed-in caller (every endpoint but the token request requires one)."""
        return cast("User", self.request.user)

    @property
    def organisation(self) -> Organisation:
        """The organisation served on this host."""
        return cast("Organisation", self.request._request.tenant)  # type: ignore[attr-defined]

    def paginated(
        self, queryset: QuerySet[Any], serializer_class: type[serializers.BaseSerializer]
    ) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


class OrganisationAPIView(TutornetAPIView):
    """An endpoint about the organisation of this host: its active members only."""

    permission_classes = [IsAuthenticated, IsMemberOfThisOrganisation]

    @property
    def membership(self) -> Membership:
        membership = membership_of(self.request)
        assert membership is not None  # the permission class let only members in
        return membership
