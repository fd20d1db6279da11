"""The REST API of tutorials (in the OpenAPI schema): the same services and selectors as the pages.

One small view per operation with its own input and output serializers; a
``TutornetError`` becomes a 4xx JSON body naming the field (``tutornet.api``).
A tutorial the caller may not see is a 404, as on the pages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership
from tutornet.api import TutornetAPIView, district_membership_of, membership_of

from . import api_shapes as shapes
from . import permissions, selectors, services
from .models import Certificate, Format, Kind, Registration, Tutorial
from .services.tutorials import TutorialData, can_manage


class CanTakePartOrOrganise(BasePermission):
    message = _("You are not a member of this organisation or of one of its schools.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_take_part(district_membership_of(request)) or permissions.can_organise(
            membership_of(request)
        )


class TutorialsAPIView(TutornetAPIView):
    permission_classes = [IsAuthenticated, CanTakePartOrOrganise]

    @property
    def district_membership(self) -> Membership | None:
        return district_membership_of(self.request)

    @property
    def membership(self) -> Membership | None:
        return membership_of(self.request)

    def visible(self, tutorial_id: int, *, light: bool = False) -> Tutorial:
        queryset = Tutorial.objects.filter(pk=tutorial_id)
        if not light:
            queryset = queryset.prefetch_related("sessions", "subjects", "topics")
        tutorial = queryset.first()
        if tutorial is None:
            raise NotFound(_("This tutorial does not exist."))
        if can_manage(tutorial, user=self.actor, membership=self.membership):
            return tutorial
        if tutorial.status != Tutorial.Status.DRAFT and (
            selectors.in_audience(tutorial, self.district_membership)
            or tutorial.registrations.filter(user=self.actor).exists()
        ):
            return tutorial
        raise NotFound(_("This tutorial does not exist."))


class SessionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class TutorialOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField()
    description = serializers.CharField(help_text="Sanitised HTML.")
    status = serializers.ChoiceField(choices=Tutorial.Status.choices)
    format = serializers.ChoiceField(choices=Format.choices)
    place = serializers.CharField()
    capacity = serializers.IntegerField()
    places_left = serializers.IntegerField()
    requires_approval = serializers.BooleanField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    registration_closes_at = serializers.DateTimeField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    sessions = SessionOutputSerializer(many=True, source="sessions.all")
    subject_ids = serializers.SerializerMethodField()
    topic_ids = serializers.SerializerMethodField()

    def get_subject_ids(self, tutorial: Tutorial) -> list[int]:
        return [s.pk for s in tutorial.subjects.all()]

    def get_topic_ids(self, tutorial: Tutorial) -> list[int]:
        return [t.pk for t in tutorial.topics.all()]


def _page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


TutorialPageSerializer = _page_of(TutorialOutputSerializer, "TutorialPageSerializer")


class CatalogueFilterSerializer(serializers.Serializer):
    subject = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class SaneDateTimeField(serializers.DateTimeField):
    """A moment in the years 2000-2999, else a 400 naming the field.

    DRF's own field answered ``0001-01-01`` with an OverflowError (a 500): in a zone east
    of UTC that moment is before year 1 in UTC.
    """

    def to_internal_value(self, value: Any) -> Any:
        try:
            parsed = super().to_internal_value(value)
        except OverflowError:
            parsed = None
        if parsed is None or not 2000 <= parsed.year <= 2999:
            raise serializers.ValidationError(_("Enter a date between the years 2000 and 2999."))
        return parsed


class SessionInputSerializer(serializers.Serializer):
    starts_at = SaneDateTimeField()
    ends_at = SaneDateTimeField()


class TutorialInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.SEMINAR)
    title = serializers.CharField(max_length=300, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    sessions = SessionInputSerializer(many=True)
    capacity = serializers.IntegerField()
    format = serializers.ChoiceField(choices=Format.choices, default=Format.IN_PERSON)
    place = serializers.CharField(required=False, allow_blank=True, default="")
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, default=Decimal("2"))
    requires_approval = serializers.BooleanField(default=False)
    registration_closes_at = SaneDateTimeField(required=False, allow_null=True, default=None)
    subject_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    topic_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    audience_all = serializers.BooleanField(default=True)
    audience_subject_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    audience_school_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )


class TutorialListCreateApi(TutorialsAPIView):
    """The catalogue for the caller's audience; organisers create a draft."""

    @extend_schema(
        operation_id="tutorials_list",
        parameters=[CatalogueFilterSerializer],
        responses=TutorialPageSerializer,
    )
    def get(self, request: Request) -> Response:
        filters = CatalogueFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tutorials = selectors.catalogue(
            membership=self.district_membership,
            subject_id=filters.validated_data.get("subject"),
            kind=filters.validated_data.get("kind"),
        )
        return self.paginated(tutorials, TutorialOutputSerializer)

    @extend_schema(
        operation_id="tutorials_create",
        request=TutorialInputSerializer,
        responses={201: TutorialOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = TutorialInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        values["sessions"] = [(s["starts_at"], s["ends_at"]) for s in values["sessions"]]
        tutorial = services.tutorial_create(
            data=TutorialData(**values), actor=self.actor, membership=self.membership
        )
        return Response(TutorialOutputSerializer(tutorial).data, status=status.HTTP_201_CREATED)


class TutorialDetailApi(TutorialsAPIView):
    @extend_schema(
        operation_id="tutorials_retrieve", responses={200: TutorialOutputSerializer, 404: OpenApiResponse()}
    )
    def get(self, request: Request, tutorial_id: int) -> Response:
        return Response(TutorialOutputSerializer(self.visible(tutorial_id)).data)


class TutorialPublishApi(TutorialsAPIView):
    @extend_schema(operation_id="tutorials_publish", request=None, responses=TutorialOutputSerializer)
    def post(self, request: Request, tutorial_id: int) -> Response:
        tutorial = services.tutorial_publish(
            tutorial=self.visible(tutorial_id), actor=self.actor, membership=self.membership
        )
        return Response(TutorialOutputSerializer(tutorial).data)


class RegistrationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tutorial_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Registration.Status.choices)
    offer_expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ParticipantOutputSerializer(RegistrationOutputSerializer):
    name = serializers.CharField(source="user.get_full_name")
    email = serializers.EmailField(source="user.email")
    school = serializers.CharField(source="school.short_name", allow_null=True, default=None)


RegistrationPageSerializer = _page_of(RegistrationOutputSerializer, "TutorialRegistrationPageSerializer")
ParticipantPageSerializer = _page_of(ParticipantOutputSerializer, "TutorialParticipantPageSerializer")


class RegisterInputSerializer(serializers.Serializer):
    waitlist = serializers.BooleanField(
        default=True, help_text="Join the waiting list when no place is left."
    )


class TutorialRegisterApi(TutorialsAPIView):
    @shapes.registration_schema(
        "tutorials_register",
        request=RegisterInputSerializer,
        response=RegistrationOutputSerializer,
        conflict="Closed or full.",
    )
    def post(self, request: Request, tutorial_id: int) -> Response:
        return shapes.create(
            request,
            lambda data: services.registration_create(
                tutorial=self.visible(tutorial_id, light=True),
                user=self.actor,
                membership=self.district_membership,
                waitlist=data["waitlist"],
            ),
            given=RegisterInputSerializer,
            answer=lambda registration: RegistrationOutputSerializer(registration).data,
        )


class MyRegistrationsApi(TutorialsAPIView):
    @extend_schema(operation_id="tutorials_registrations_list", responses=RegistrationPageSerializer)
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.my_registrations(self.actor), RegistrationOutputSerializer)


def _own(request_user_id: int, registration_id: int) -> Registration:
    registration = Registration.objects.filter(pk=registration_id, user_id=request_user_id).first()
    if registration is None:
        raise NotFound(_("This registration does not exist."))
    return registration


class RegistrationCancelApi(TutorialsAPIView):
    @extend_schema(
        operation_id="tutorials_registrations_cancel", request=None, responses=RegistrationOutputSerializer
    )
    def post(self, request: Request, registration_id: int) -> Response:
        registration = services.registration_cancel(
            registration=_own(self.actor.pk, registration_id), actor=self.actor
        )
        return Response(RegistrationOutputSerializer(registration).data)


class RegistrationAcceptApi(TutorialsAPIView):
    @extend_schema(
        operation_id="tutorials_registrations_accept", request=None, responses=RegistrationOutputSerializer
    )
    def post(self, request: Request, registration_id: int) -> Response:
        registration = services.waitlist_accept(
            registration=_own(self.actor.pk, registration_id), actor=self.actor
        )
        return Response(RegistrationOutputSerializer(registration).data)


class ParticipantsApi(TutorialsAPIView):
    """The participant list: the tutorial's organisers and the organisation's staff only."""

    @extend_schema(
        operation_id="tutorials_participants_list",
        responses={200: ParticipantPageSerializer, 404: OpenApiResponse()},
    )
    def get(self, request: Request, tutorial_id: int) -> Response:
        tutorial = Tutorial.objects.filter(pk=tutorial_id).first()
        if tutorial is None or not can_manage(tutorial, user=self.actor, membership=self.membership):
            raise NotFound(_("This tutorial does not exist."))
        return self.paginated(selectors.participants(tutorial), ParticipantOutputSerializer)


class CheckinOutputSerializer(serializers.Serializer):
    session_id = serializers.IntegerField()
    at = serializers.DateTimeField()


class CheckinApi(TutorialsAPIView):
    @shapes.checkin_schema("tutorials_checkin", response=CheckinOutputSerializer)
    def post(self, request: Request, tutorial_id: int) -> Response:
        from .views import _running_session

        def perform(code: str) -> Any:
            tutorial = self.visible(tutorial_id)
            session = _running_session(tutorial)
            if session is None:
                session = tutorial.sessions.order_by("-starts_at").first()
                if session is None:
                    raise Http404
            return services.checkin_with_code(session=session, user=self.actor, code=code)

        return shapes.checkin(
            request, perform, answer=lambda attendance: CheckinOutputSerializer(attendance).data
        )


class FeedbackInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(required=False, allow_null=True, default=None)
    useful = serializers.CharField(required=False, allow_blank=True, default="")
    will_use = serializers.CharField(required=False, allow_blank=True, default="")


class FeedbackApi(TutorialsAPIView):
    @extend_schema(
        operation_id="tutorials_feedback",
        request=FeedbackInputSerializer,
        responses={201: FeedbackInputSerializer},
    )
    def post(self, request: Request, tutorial_id: int) -> Response:
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = services.feedback_submit(
            tutorial=self.visible(tutorial_id), user=self.actor, **data.validated_data
        )
        return Response(FeedbackInputSerializer(feedback).data, status=status.HTTP_201_CREATED)


class CertificateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    token = serializers.UUIDField()
    title = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    organiser = serializers.CharField()


CertificatePageSerializer = _page_of(CertificateOutputSerializer, "CertificatePageSerializer")


class MyCertificatesApi(TutorialsAPIView):
    @extend_schema(operation_id="tutorials_certificates_list", responses=CertificatePageSerializer)
    def get(self, request: Request) -> Response:
        return self.paginated(
            Certificate.objects.filter(user=self.actor).order_by("-starts_on", "pk"),
            CertificateOutputSerializer,
        )
