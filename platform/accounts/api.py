"""REST API about people: API tokens, the caller, their organisation and its staff.

One small view per operation with its own input and output serializers; the
writes are ``accounts.services`` functions (the same ones the HTML pages call).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.models import Organisation, Subject
from tenants.selectors import base_url_for_host, primary_host
from tutornet.api import OrganisationAPIView, TutornetAPIView, membership_of
from tutornet.errors import TutornetError
from tutornet.tokens import tokens_expired_delete

from . import permissions, services
from .models import Membership, Role, User, email_key
from .selectors import memberships_of, staff_of


class InvalidCredentialsError(TutornetError):
    code = "invalid_credentials"


class SignInLockedError(TutornetError):
    status = 429
    code = "locked_out"


class CanManageStaff(BasePermission):
    message = _("Only the organisation's administrators manage its staff.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_manage_staff(membership_of(request))


# --- serializers shared by several endpoints ----------------------------------------------


class SubjectOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BriefPersonOutputSerializer(serializers.Serializer):
    """A person as other people's pages name them: the full name, or the e-mail without one."""

    id = serializers.IntegerField()
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user: User) -> str:
        return user.get_full_name() or user.email


def _active_subjects() -> QuerySet[Subject]:
    return Subject.objects.filter(is_active=True)


# --- API tokens ---------------------------------------------------------------------------


class TokenInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once: only its hash is stored.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="After this the token no longer works.")


@transaction.atomic
def _token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new token (django-rest-knox): the database keeps only its SHA-512 digest, and it
    expires after ``REST_KNOX["TOKEN_TTL"]``.  Each call makes one more; every one counts.
    The person's expired tokens are deleted here (knox did it on every request)."""
    tokens_expired_delete(user)
    instance, key = AuthToken.objects.create(user=user)
    services.audit(actor=user, organisation=None, action="api_token.issue", target=user.email)
    return instance, key


@transaction.atomic
def _token_revoke(*, user: User, token: AuthToken | None) -> None:
    """The token the request came with; signed in by session, all of the person's tokens."""
    tokens = AuthToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    tokens.delete()
    services.audit(actor=user, organisation=None, action="api_token.revoke", target=user.email)


class TokenApi(TutornetAPIView):
    """POST: exchange e-mail and password for the person's API token; DELETE: revoke it.

    Sign-in goes through ``authenticate(request=...)``, so django-axes counts
    failures and locks the e-mail/address pair out exactly as on the sign-in page.
    """

    def get_authenticators(self) -> list[Any]:
        # Asking for a token needs no prior authentication (and no CSRF token).
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list[BasePermission]:
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="auth_token_create",
        description="Exchange e-mail and password for a new API token (send it as "
        "`Authorization: Token <key>`). Only the token's hash is stored; it expires at `expiry`, "
        "then ask for a new one. Failed attempts are throttled like the sign-in page.",
        request=TokenInputSerializer,
        responses={
            200: TokenOutputSerializer,
            400: OpenApiResponse(description="Invalid input or wrong e-mail/password."),
            429: OpenApiResponse(description="Too many failed attempts: locked out for a while."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = email_key(serializer.validated_data["email"])
        # The DRF request (not the Django one): axes marks a lock-out on it, and
        # its middleware then leaves this JSON answer alone.
        user = authenticate(request=request, username=email, password=serializer.validated_data["password"])
        if getattr(request, "axes_locked_out", False):
            raise SignInLockedError(_("Too many failed sign-in attempts. Try again later."))
        if user is None:
            raise InvalidCredentialsError(_("Wrong e-mail or password."))
        instance, key = _token_issue(user=user)  # type: ignore[arg-type]
        # A token is a sign-in: axes clears the failures, Django records last_login.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(TokenOutputSerializer({"token": key, "expiry": instance.expiry}).data)

    @extend_schema(
        operation_id="auth_token_destroy",
        description="Revoke the API token this request was made with (signed in by session: all of "
        "the caller's tokens).",
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        token = request.auth if isinstance(request.auth, AuthToken) else None
        _token_revoke(user=self.actor, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the caller ---------------------------------------------------------------------------


class MyMembershipOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation_id = serializers.IntegerField()
    organisation_name = serializers.CharField(source="organisation.name")
    organisation_short_name = serializers.CharField(source="organisation.short_name")
    organisation_kind = serializers.ChoiceField(source="organisation.kind", choices=Organisation.Kind.choices)
    host = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Role.choices)
    role_display = serializers.CharField(source="get_role_display")
    subjects = SubjectOutputSerializer(many=True, source="subjects.all")

    def get_host(self, membership: Membership) -> str | None:
        return next((d.domain for d in membership.organisation.domains.all() if d.is_primary), None)

    def get_url(self, membership: Membership) -> str | None:
        host = self.get_host(membership)
        return base_url_for_host(host) + "/" if host else None


class PersonOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    last_name = serializers.CharField()
    first_name = serializers.CharField()
    patronymic = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    language = serializers.CharField()


class MeOutputSerializer(serializers.Serializer):
    person = PersonOutputSerializer()
    memberships = MyMembershipOutputSerializer(many=True)


class MeApi(TutornetAPIView):
    """The signed-in person and their active memberships in every organisation."""

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request: Request) -> Response:
        memberships = memberships_of(self.actor).prefetch_related("organisation__domains", "subjects")
        return Response(MeOutputSerializer({"person": self.actor, "memberships": memberships}).data)


# --- the organisation of this host -------------------------------------------------------


class OrganisationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    name = serializers.CharField()
    short_name = serializers.CharField()
    time_zone = serializers.CharField()
    address = serializers.CharField()
    email = serializers.SerializerMethodField()
    phone = serializers.CharField()
    centre_id = serializers.IntegerField(allow_null=True)
    host = serializers.SerializerMethodField()
    my_role = serializers.SerializerMethodField()

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email(self, organisation: Organisation) -> str | None:
        # The contact address is optional: null, not "" (which the `email` format refuses).
        return organisation.email or None

    def get_host(self, organisation: Organisation) -> str:
        return primary_host(organisation)

    def get_my_role(self, organisation: Organisation) -> str:
        return str(self.context["membership"].role)


class OrganisationDetailApi(OrganisationAPIView):
    """The organisation served on this host (its members only)."""

    @extend_schema(responses=OrganisationOutputSerializer)
    def get(self, request: Request) -> Response:
        serializer = OrganisationOutputSerializer(self.organisation, context={"membership": self.membership})
        return Response(serializer.data)


# --- staff --------------------------------------------------------------------------------


class StaffPersonOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField(source="get_full_name")
    is_active = serializers.BooleanField()


class MembershipOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = StaffPersonOutputSerializer(source="user")
    role = serializers.ChoiceField(choices=Role.choices)
    role_display = serializers.CharField(source="get_role_display")
    subjects = SubjectOutputSerializer(many=True, source="subjects.all")
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class StaffListApi(OrganisationAPIView):
    """Every membership of this organisation, active ones first (administrators only)."""

    permission_classes = [*OrganisationAPIView.permission_classes, CanManageStaff]

    @extend_schema(responses=MembershipOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.paginated(staff_of(self.organisation), MembershipOutputSerializer)


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    subjects = serializers.PrimaryKeyRelatedField(queryset=_active_subjects(), many=True, required=False)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    patronymic = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class InvitationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    subjects = SubjectOutputSerializer(many=True, source="subjects.all")
    last_name = serializers.CharField()
    first_name = serializers.CharField()
    patronymic = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class InvitationCreateApi(OrganisationAPIView):
    """Invite one person to this organisation; the e-mail carries a single-use link."""

    permission_classes = [*OrganisationAPIView.permission_classes, CanManageStaff]

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            organisation=self.organisation,
            actor=self.actor,
            actor_membership=self.membership,
            **serializer.validated_data,
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class MembershipUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    subjects = serializers.PrimaryKeyRelatedField(queryset=_active_subjects(), many=True, required=False)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Send at least one of: role, subjects, is_active."))
        return attrs


class MembershipUpdateApi(OrganisationAPIView):
    """Change a member's role and subjects, or deactivate/reactivate them (administrators only).

    All requested changes are made together or not at all.
    """

    permission_classes = [*OrganisationAPIView.permission_classes, CanManageStaff]

    @extend_schema(request=MembershipUpdateInputSerializer, responses=MembershipOutputSerializer)
    def patch(self, request: Request, membership_id: int) -> Response:
        # Another organisation's membership looks exactly like a missing one.
        membership = staff_of(self.organisation).filter(pk=membership_id).first()
        if membership is None:
            raise NotFound(_("No such member in this organisation."))
        serializer = MembershipUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            if "role" in data or "subjects" in data:
                services.membership_change(
                    membership_id=membership.pk,
                    role=data.get("role", membership.role),
                    subjects=data.get("subjects"),
                    actor=self.actor,
                    actor_membership=self.membership,
                )
            if "is_active" in data and data["is_active"] != membership.is_active:
                services.membership_set_active(
                    membership_id=membership.pk,
                    active=data["is_active"],
                    actor=self.actor,
                    actor_membership=self.membership,
                )
        updated = staff_of(self.organisation).get(pk=membership.pk)
        return Response(MembershipOutputSerializer(updated).data)
