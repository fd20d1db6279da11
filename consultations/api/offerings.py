"""The API of offerings (with their weekly windows) and of free slots."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from tenants.models import Subject
from tutornet.errors import TutornetError

from .. import selectors, services
from ..models import Offering, Slot
from ._common import (
    ConsultationsAPIView,
    OfferingOutputSerializer,
    OfferingPageSerializer,
    SlotOutputSerializer,
    SlotPageSerializer,
    WeeklyWindowSerializer,
)

# --- offerings ------------------------------------------------------------------------------


class OfferingFilterSerializer(serializers.Serializer):
    subject = serializers.IntegerField(required=False, min_value=1, help_text="A subject's id.")
    tutor = serializers.IntegerField(required=False, min_value=1, help_text="A tutor's (person's) id.")


def _active_subjects() -> QuerySet[Subject]:
    return Subject.objects.filter(is_active=True)


class OfferingInputSerializer(serializers.Serializer):
    tutor = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The tutor (person id); only the organisation's administrator may name another "
        "tutor than the caller.",
    )
    subject = serializers.PrimaryKeyRelatedField(queryset=_active_subjects())
    topic = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    format = serializers.ChoiceField(choices=Offering.Format.choices)
    capacity = serializers.IntegerField(
        required=False, default=1, min_value=1, help_text="Places; an individual offering has one."
    )
    mode = serializers.ChoiceField(choices=Offering.Mode.choices)
    place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    slot_minutes = serializers.IntegerField(required=False, default=45)
    buffer_minutes = serializers.IntegerField(required=False, default=15)
    min_notice_hours = serializers.IntegerField(required=False, default=12)
    horizon_days = serializers.IntegerField(required=False, default=28)
    cancel_deadline_hours = serializers.IntegerField(required=False, default=12)
    weekly = WeeklyWindowSerializer(
        many=True,
        required=False,
        help_text="Weekly windows in local time; when given they replace the old ones and the "
        "slots are generated again.",
    )


class OfferingUpdateInputSerializer(OfferingInputSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        del fields["tutor"]  # an offering is never passed to another tutor
        for field in fields.values():
            field.required = False
            field.default = serializers.empty
        return fields


_OFFERING_FIELDS = ("subject", *Offering.SETTINGS)


def _offerings() -> QuerySet[Offering]:
    return Offering.objects.select_related("tutor", "subject").prefetch_related("weekly")


class OfferingListCreateApi(ConsultationsAPIView):
    """GET: this organisation's active offerings; POST: a tutor adds an offering of their own."""

    @extend_schema(
        operation_id="consultations_offerings_list",
        parameters=[OfferingFilterSerializer],
        responses=OfferingPageSerializer,
    )
    def get(self, request: Request) -> Response:
        filters = OfferingFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        offerings = _offerings().filter(is_active=True)
        if "subject" in filters.validated_data:
            offerings = offerings.filter(subject_id=filters.validated_data["subject"])
        if "tutor" in filters.validated_data:
            offerings = offerings.filter(tutor_id=filters.validated_data["tutor"])
        return self.paginated(
            offerings.order_by("subject__name", "tutor__last_name", "pk"), OfferingOutputSerializer
        )

    @extend_schema(
        operation_id="consultations_offerings_create",
        request=OfferingInputSerializer,
        responses={
            201: OfferingOutputSerializer,
            400: OpenApiResponse(description="Invalid input; the body names the field."),
            403: OpenApiResponse(description="Only the organisation's tutors (and administrators)."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = OfferingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tutor = self.actor
        if "tutor" in data:
            tutor = User.objects.filter(pk=data.pop("tutor")).first()  # type: ignore[assignment]
            if tutor is None:
                raise TutornetError(_("This person is not a tutor of this organisation."), field="tutor")
        weekly = data.pop("weekly", None)
        with transaction.atomic():
            offering = services.offering_save(
                actor=self.actor, actor_membership=self.membership, tutor=tutor, **data
            )
            _weekly(offering, weekly, actor=self.actor)
        return Response(
            OfferingOutputSerializer(_offerings().get(pk=offering.pk)).data, status=status.HTTP_201_CREATED
        )


def _weekly(offering: Offering, weekly: list[dict[str, Any]] | None, *, actor: User) -> None:
    """Replace the weekly windows when given (the services generate the slots again)."""
    if weekly is not None:
        services.weekly_set(
            offering=offering, windows=[(w["weekday"], w["starts"], w["ends"]) for w in weekly], actor=actor
        )


class OfferingDetailApi(ConsultationsAPIView):
    """GET: one offering; PATCH: its tutor (or the administrator) changes it."""

    @extend_schema(operation_id="consultations_offerings_retrieve", responses=OfferingOutputSerializer)
    def get(self, request: Request, offering_id: int) -> Response:
        return Response(OfferingOutputSerializer(self._offering(offering_id)).data)

    @extend_schema(
        operation_id="consultations_offerings_partial_update",
        request=OfferingUpdateInputSerializer,
        responses={
            200: OfferingOutputSerializer,
            400: OpenApiResponse(description="Invalid input; the body names the field."),
            403: OpenApiResponse(description="Only the offering's tutor (or an administrator)."),
            404: OpenApiResponse(description="No such offering here."),
        },
    )
    def patch(self, request: Request, offering_id: int) -> Response:
        offering = self._offering(offering_id)
        serializer = OfferingUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        weekly = data.pop("weekly", None)
        values = {name: data.get(name, getattr(offering, name)) for name in _OFFERING_FIELDS}
        with transaction.atomic():
            services.offering_save(
                actor=self.actor,
                actor_membership=self.membership,
                tutor=offering.tutor,
                offering=offering,
                **values,
            )
            _weekly(offering, weekly, actor=self.actor)
        return Response(OfferingOutputSerializer(_offerings().get(pk=offering.pk)).data)

    def _offering(self, offering_id: int) -> Offering:
        offering = _offerings().filter(pk=offering_id).first()
        if offering is None:
            raise NotFound(_("No such offering."))
        return offering


# --- slots ----------------------------------------------------------------------------------


class SlotFilterSerializer(serializers.Serializer):
    subject = serializers.IntegerField(required=False, min_value=1, help_text="A subject's id.")
    tutor = serializers.IntegerField(required=False, min_value=1, help_text="A tutor's (person's) id.")
    date_from = serializers.DateField(required=False, help_text="First day, in the organisation's time zone.")
    date_to = serializers.DateField(required=False, help_text="Last day (included), local.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "date_from" in attrs and "date_to" in attrs and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [_("The last day is before the first.")]})
        return attrs


class SlotListApi(ConsultationsAPIView):
    """Free slots a teacher can book now (a free place, within the offering's notice and horizon)."""

    @extend_schema(
        operation_id="consultations_slots_list",
        parameters=[SlotFilterSerializer],
        responses=SlotPageSerializer,
    )
    def get(self, request: Request) -> Response:
        filters = SlotFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        slots = selectors.free_slots(
            now=timezone.now(),
            subject_id=data.get("subject"),
            tutor_id=data.get("tutor"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(slots, request, view=self)
        return paginator.get_paginated_response(
            SlotOutputSerializer(page, many=True, context=self.context()).data
        )


class SlotDetailApi(ConsultationsAPIView):
    """One slot of this organisation, full or not."""

    @extend_schema(responses={200: SlotOutputSerializer, 404: OpenApiResponse(description="No such slot.")})
    def get(self, request: Request, slot_id: int) -> Response:
        slot = (
            Slot.objects.select_related("offering", "offering__subject", "tutor").filter(pk=slot_id).first()
        )
        if slot is None:
            raise NotFound(_("No such consultation time."))
        return Response(SlotOutputSerializer(slot, context=self.context()).data)
