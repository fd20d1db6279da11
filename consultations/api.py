"""REST API of consultations: offerings, free slots, bookings, the waitlist.

One small view per operation with its own input and output serializers; the
writes are ``consultations.services`` functions, the same ones the HTML pages
call.  Who may use this organisation's consultations is decided by
``consultations.permissions`` on the caller's *district* membership: on the
centre's host a teacher of one of the centre's schools books municipal tutors
with their school membership (ARCHITECTURE 3).

Times are given twice: ``starts_at``/``ends_at`` in UTC (ISO 8601, ``Z``) and
``starts_at_local``/``ends_at_local`` in the organisation's time zone, with its
offset (ARCHITECTURE 8).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import BriefPersonOutputSerializer, SubjectOutputSerializer
from accounts.models import Membership, User
from tenants.models import Subject
from tutornet.api import TutornetAPIView, district_membership_of, membership_of
from tutornet.errors import PermissionDeniedError, TutornetError

from . import permissions, selectors, services, video
from .models import Booking, Offering, Rating, Slot, WaitlistEntry


class CanUseConsultations(BasePermission):
    message = _("You are not a member of this organisation or of one of its schools.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return permissions.can_use(district_membership_of(request))


class ConsultationsAPIView(TutornetAPIView):
    """Base of every consultations endpoint: people who may use this organisation's consultations."""

    permission_classes = [IsAuthenticated, CanUseConsultations]

    @property
    def district_membership(self) -> Membership:
        membership = district_membership_of(self.request)
        assert membership is not None  # the permission class let only such callers in
        return membership

    @property
    def membership(self) -> Membership | None:
        """The caller's own membership here (None for a school's teacher on the centre's host)."""
        return membership_of(self.request)

    @property
    def zone(self) -> ZoneInfo:
        return self.organisation.zone

    def context(self) -> dict[str, Any]:
        return {"zone": self.zone, "actor": self.actor}


def _not_found() -> NotFound:
    return NotFound(_("No such consultation booking."))


# --- serializers shared by several endpoints ----------------------------------------------


class UTCDateTimeField(serializers.DateTimeField):
    """An instant in UTC, ISO 8601 with ``Z``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)


class LocalDateTimeField(serializers.DateTimeField):
    """The same instant in the organisation's time zone, ISO 8601 with its offset."""

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(self.context["zone"]).isoformat()


HOUR_MINUTE = {
    "type": "string",
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
    "example": "15:00",
    "description": "Wall-clock time HH:MM (local, in the organisation's zone).",
}


@extend_schema_field(HOUR_MINUTE)
class HourMinuteField(serializers.TimeField):
    """A wall-clock time written ``HH:MM``: declared as such, since OpenAPI's ``time`` format
    (RFC 3339 full-time) requires seconds and an offset, which these times do not have."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class WeeklyWindowSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday.")
    starts = HourMinuteField(help_text="Local time in the organisation's zone.")
    ends = HourMinuteField()


class OfferingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tutor = BriefPersonOutputSerializer()
    subject = SubjectOutputSerializer()
    topic = serializers.CharField()
    format = serializers.ChoiceField(choices=Offering.Format.choices)
    capacity = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=Offering.Mode.choices)
    place = serializers.CharField()
    slot_minutes = serializers.IntegerField()
    buffer_minutes = serializers.IntegerField()
    min_notice_hours = serializers.IntegerField()
    horizon_days = serializers.IntegerField()
    cancel_deadline_hours = serializers.IntegerField()
    is_active = serializers.BooleanField()
    weekly = WeeklyWindowSerializer(many=True, source="weekly.all")


class OfferingBriefOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = SubjectOutputSerializer()
    topic = serializers.CharField()
    format = serializers.ChoiceField(choices=Offering.Format.choices)
    mode = serializers.ChoiceField(choices=Offering.Mode.choices)
    place = serializers.CharField()
    cancel_deadline_hours = serializers.IntegerField()


class SlotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    offering = OfferingBriefOutputSerializer()
    tutor = BriefPersonOutputSerializer()
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    starts_at_local = LocalDateTimeField(source="starts_at")
    ends_at_local = LocalDateTimeField(source="ends_at")
    time_zone = serializers.SerializerMethodField()
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()
    free_places = serializers.IntegerField()
    is_cancelled = serializers.BooleanField()

    def get_time_zone(self, slot: Slot) -> str:
        return str(self.context["zone"].key)


class RatingOutputSerializer(serializers.Serializer):
    booking_id = serializers.IntegerField()
    score = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = UTCDateTimeField()


class BookingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slot = SlotOutputSerializer()
    teacher = BriefPersonOutputSerializer()
    teacher_organisation_id = serializers.IntegerField(allow_null=True)
    question = serializers.CharField()
    status = serializers.ChoiceField(choices=Booking.Status.choices)
    created_at = UTCDateTimeField()
    cancelled_at = UTCDateTimeField(allow_null=True)
    cancelled_by_id = serializers.IntegerField(allow_null=True)
    cancel_reason = serializers.CharField()
    rescheduled_from_id = serializers.IntegerField(allow_null=True)
    outcome_note = serializers.CharField()
    rating = serializers.SerializerMethodField()

    @extend_schema_field(RatingOutputSerializer(allow_null=True))
    def get_rating(self, booking: Booking) -> dict[str, Any] | None:
        if self.context.get("just_booked"):  # a new booking has no rating (and needs no query)
            return None
        try:
            rating = booking.rating
        except Rating.DoesNotExist:
            return None
        return cast(dict[str, Any], RatingOutputSerializer(rating).data)


# The same fields as BookingOutputSerializer for a booking just made (no rating), written
# without building the nested serializers per request (bench/README.md 5.1: ~0.8 ms of a
# booking).  tests/consultations/test_api_performance.py checks both give the same answer.
_UTC_FIELD = UTCDateTimeField()
_UTC_OR_NULL_FIELD = UTCDateTimeField(allow_null=True)
_STATUS_FIELD = serializers.ChoiceField(choices=Booking.Status.choices)
_FORMAT_FIELD = serializers.ChoiceField(choices=Offering.Format.choices)
_MODE_FIELD = serializers.ChoiceField(choices=Offering.Mode.choices)


def _person_data(user: User) -> dict[str, Any]:
    return {"id": user.pk, "full_name": user.get_full_name() or user.email}


def _utc_or_none(value: datetime | None) -> str | None:
    return None if value is None else _UTC_FIELD.to_representation(value)


def new_booking_data(booking: Booking, zone: ZoneInfo) -> dict[str, Any]:
    """``BookingOutputSerializer(booking, context={"zone": zone, "just_booked": True}).data``."""
    slot = booking.slot
    offering = slot.offering
    subject = offering.subject
    return {
        "id": booking.pk,
        "slot": {
            "id": slot.pk,
            "offering": {
                "id": offering.pk,
                "subject": {"id": subject.pk, "name": str(subject.name)},
                "topic": str(offering.topic),
                "format": _FORMAT_FIELD.to_representation(offering.format),
                "mode": _MODE_FIELD.to_representation(offering.mode),
                "place": str(offering.place),
                "cancel_deadline_hours": int(offering.cancel_deadline_hours),
            },
            "tutor": _person_data(slot.tutor),
            "starts_at": _UTC_FIELD.to_representation(slot.starts_at),
            "ends_at": _UTC_FIELD.to_representation(slot.ends_at),
            "starts_at_local": slot.starts_at.astimezone(zone).isoformat(),
            "ends_at_local": slot.ends_at.astimezone(zone).isoformat(),
            "time_zone": str(zone.key),
            "capacity": int(slot.capacity),
            "booked": int(slot.booked),
            "free_places": int(slot.free_places),
            "is_cancelled": bool(slot.is_cancelled),
        },
        "teacher": _person_data(booking.teacher),
        "teacher_organisation_id": booking.teacher_organisation_id,
        "question": str(booking.question),
        "status": _STATUS_FIELD.to_representation(booking.status),
        "created_at": _UTC_FIELD.to_representation(booking.created_at),
        "cancelled_at": _utc_or_none(booking.cancelled_at),
        "cancelled_by_id": booking.cancelled_by_id,
        "cancel_reason": str(booking.cancel_reason),
        "rescheduled_from_id": booking.rescheduled_from_id,
        "outcome_note": str(booking.outcome_note),
        "rating": None,
    }


class BookingDetailOutputSerializer(BookingOutputSerializer):
    video_join_url = serializers.SerializerMethodField(
        help_text="The caller's link into the video room: only for the participants, and only "
        "from shortly before the start until the end; null otherwise."
    )

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_video_join_url(self, booking: Booking) -> str | None:
        if booking.status == Booking.Status.CANCELLED:
            return None
        return video.join_url(slot=booking.slot, user=self.context["actor"])


def _page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of a paginated list (what ``TutornetAPIView.paginated`` answers)."""
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


OfferingPageSerializer = _page_of(OfferingOutputSerializer, "OfferingPageSerializer")
SlotPageSerializer = _page_of(SlotOutputSerializer, "SlotPageSerializer")
BookingPageSerializer = _page_of(BookingOutputSerializer, "BookingPageSerializer")


def _bookings(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    return queryset.select_related(
        "slot", "slot__offering", "slot__offering__subject", "slot__tutor", "teacher", "rating"
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


# --- bookings -------------------------------------------------------------------------------


class BookingCreateInputSerializer(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1)
    question = serializers.CharField(max_length=4000, help_text="The question the teacher brings.")


def _plain_booking_input(data: Any) -> dict[str, Any] | None:
    """What ``BookingCreateInputSerializer`` would validate, for the usual well-formed JSON body.

    ``{"slot": <positive int>, "question": <non-blank text up to 4000>}`` is taken
    as is (the question stripped, as the serializer does); None for anything else.
    """
    if not isinstance(data, dict) or set(data) - {"slot", "question"}:
        return None
    slot, question = data.get("slot"), data.get("question")
    if type(slot) is not int or not 1 <= slot < 2**31 or not isinstance(question, str):
        return None
    question = question.strip()
    if not question or len(question) > 4000 or "\x00" in question:
        return None
    try:
        question.encode()  # surrogates, which the serializer refuses, cannot be encoded
    except UnicodeEncodeError:
        return None
    return {"slot": slot, "question": question}


class BookingFilterSerializer(serializers.Serializer):
    date_from = serializers.DateField(
        required=False, help_text="With as=tutor: first day (local); 30 days ago by default."
    )
    date_to = serializers.DateField(
        required=False, help_text="With as=tutor: last day (local, included); a year ahead by default."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # ``as`` is a Python keyword, so it cannot be a class attribute.
        fields["as"] = serializers.ChoiceField(
            choices=[("teacher", "teacher"), ("tutor", "tutor")],
            required=False,
            default="teacher",
            help_text="teacher: the caller's own bookings; tutor: the bookings of the caller's "
            "consultations (the tutor's calendar, cancelled ones left out).",
        )
        return fields


_ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body names the field."),
    403: OpenApiResponse(description="Not allowed."),
    404: OpenApiResponse(description="No such booking (or not the caller's)."),
    409: OpenApiResponse(description="A conflict: the slot is taken, the deadline passed..."),
}


class BookingListCreateApi(ConsultationsAPIView):
    """GET: the caller's bookings (as a teacher, or as a tutor with ``?as=tutor``); POST: book a place."""

    @extend_schema(
        operation_id="consultations_bookings_list",
        parameters=[BookingFilterSerializer],
        responses=BookingPageSerializer,
    )
    def get(self, request: Request) -> Response:
        filters = BookingFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        if data["as"] == "tutor":
            if not permissions.is_tutor(self.membership):
                raise PermissionDeniedError(_("Only the organisation's tutors have a calendar."))
            today = timezone.localdate(timezone=self.zone)
            bookings = selectors.tutor_calendar(
                tutor=self.actor,
                date_from=data.get("date_from", today - timedelta(days=30)),
                date_to=data.get("date_to", today + timedelta(days=366)),
            )
        else:
            bookings = selectors.teacher_bookings(teacher=self.actor)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(_bookings(bookings), request, view=self)
        return paginator.get_paginated_response(
            BookingOutputSerializer(page, many=True, context=self.context()).data
        )

    @extend_schema(
        operation_id="consultations_bookings_create",
        request=BookingCreateInputSerializer,
        responses={201: BookingOutputSerializer, **_ERRORS},
        description="Book a place. A full slot answers 409 with code `slot_taken`; a time at which "
        "the caller already has a consultation 409 `overlap`; a slot too near, too far or "
        "cancelled 400 `booking_closed`.",
    )
    def post(self, request: Request) -> Response:
        data = _plain_booking_input(request.data)
        if data is None:  # anything unusual: the serializer validates it and words the errors
            serializer = BookingCreateInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        booking = services.booking_create(
            slot_id=data["slot"],
            teacher=self.actor,
            teacher_organisation=self.district_membership.organisation,
            question=data["question"],
        )
        booking.teacher = self.actor
        return Response(new_booking_data(booking, self.zone), status=status.HTTP_201_CREATED)


class BookingAPIView(ConsultationsAPIView):
    """About one booking the caller may see (its teacher or the slot's tutor); anything else is a 404."""

    def booking(self, booking_id: int) -> Booking:
        booking = _bookings(Booking.objects.all()).filter(pk=booking_id).first()
        if booking is None or not permissions.can_see_booking(self.request.user, booking):
            raise _not_found()
        return booking

    def fresh(self, booking_id: int) -> Booking:
        return _bookings(Booking.objects.all()).get(pk=booking_id)


class BookingDetailApi(BookingAPIView):
    """One booking, with the question, the outcome and the caller's video link."""

    @extend_schema(responses={200: BookingDetailOutputSerializer, 404: _ERRORS[404]})
    def get(self, request: Request, booking_id: int) -> Response:
        return Response(BookingDetailOutputSerializer(self.booking(booking_id), context=self.context()).data)


class BookingCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="Required from the tutor."
    )


class BookingCancelApi(BookingAPIView):
    """Cancel, by the teacher or the tutor (with a reason), until the offering's deadline."""

    @extend_schema(request=BookingCancelInputSerializer, responses={200: BookingOutputSerializer, **_ERRORS})
    def post(self, request: Request, booking_id: int) -> Response:
        booking = self.booking(booking_id)
        serializer = BookingCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.booking_cancel(
            booking_id=booking.pk, actor=self.actor, reason=serializer.validated_data["reason"]
        )
        return Response(BookingOutputSerializer(self.fresh(booking.pk), context=self.context()).data)


class BookingRescheduleInputSerializer(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1, help_text="The new slot (of the same tutor).")
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="Required from the tutor."
    )


class BookingRescheduleApi(BookingAPIView):
    """Move a booking to another slot of the same tutor (until the deadline); answers the new booking."""

    @extend_schema(
        request=BookingRescheduleInputSerializer, responses={201: BookingOutputSerializer, **_ERRORS}
    )
    def post(self, request: Request, booking_id: int) -> Response:
        booking = self.booking(booking_id)
        serializer = BookingRescheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            new = services.booking_reschedule(
                booking_id=booking.pk,
                new_slot_id=serializer.validated_data["slot"],
                actor=self.actor,
                reason=serializer.validated_data["reason"],
            )
        except TutornetError as error:
            if error.field == "new_slot":  # the service's name for what this API calls "slot"
                error.field = "slot"
            raise
        return Response(
            BookingOutputSerializer(self.fresh(new.pk), context=self.context()).data,
            status=status.HTTP_201_CREATED,
        )


MARK_STATUSES = [(status.value, status.label) for status in (Booking.Status.HELD, Booking.Status.NO_SHOW)]


class BookingMarkInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MARK_STATUSES)
    outcome_note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class BookingMarkApi(BookingAPIView):
    """The tutor marks a consultation held or no-show (after its start) with a short outcome note."""

    @extend_schema(request=BookingMarkInputSerializer, responses={200: BookingOutputSerializer, **_ERRORS})
    def post(self, request: Request, booking_id: int) -> Response:
        booking = self.booking(booking_id)
        serializer = BookingMarkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.booking_mark(booking_id=booking.pk, actor=self.actor, **serializer.validated_data)
        return Response(BookingOutputSerializer(self.fresh(booking.pk), context=self.context()).data)


class BookingRateInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class BookingRateApi(BookingAPIView):
    """The teacher rates their own held consultation (1–5 and a comment); rating again changes it."""

    @extend_schema(request=BookingRateInputSerializer, responses={200: RatingOutputSerializer, **_ERRORS})
    def post(self, request: Request, booking_id: int) -> Response:
        booking = self.booking(booking_id)
        serializer = BookingRateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = services.booking_rate(booking_id=booking.pk, teacher=self.actor, **serializer.validated_data)
        return Response(RatingOutputSerializer(rating).data)


# --- waitlist -------------------------------------------------------------------------------


class WaitlistEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slot = SlotOutputSerializer()
    question = serializers.CharField()
    status = serializers.ChoiceField(choices=WaitlistEntry.Status.choices)
    created_at = UTCDateTimeField()
    offered_at = UTCDateTimeField(allow_null=True)
    offer_expires_at = UTCDateTimeField(allow_null=True)


WaitlistPageSerializer = _page_of(WaitlistEntryOutputSerializer, "WaitlistPageSerializer")


class WaitlistJoinInputSerializer(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1)
    question = serializers.CharField(max_length=4000)


def _entries() -> QuerySet[WaitlistEntry]:
    return WaitlistEntry.objects.select_related(
        "slot", "slot__offering", "slot__offering__subject", "slot__tutor"
    )


class WaitlistListJoinApi(ConsultationsAPIView):
    """GET: the caller's waitlist places, newest first; POST: join the waitlist of a full group slot."""

    @extend_schema(operation_id="consultations_waitlist_list", responses=WaitlistPageSerializer)
    def get(self, request: Request) -> Response:
        entries = _entries().filter(teacher=self.actor).order_by("-created_at", "-pk")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(
            WaitlistEntryOutputSerializer(page, many=True, context=self.context()).data
        )

    @extend_schema(
        operation_id="consultations_waitlist_create",
        request=WaitlistJoinInputSerializer,
        responses={201: WaitlistEntryOutputSerializer, **_ERRORS},
    )
    def post(self, request: Request) -> Response:
        serializer = WaitlistJoinInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.waitlist_join(
            slot_id=serializer.validated_data["slot"],
            teacher=self.actor,
            teacher_organisation=self.district_membership.organisation,
            question=serializer.validated_data["question"],
        )
        return Response(
            WaitlistEntryOutputSerializer(_entries().get(pk=entry.pk), context=self.context()).data,
            status=status.HTTP_201_CREATED,
        )


class WaitlistConfirmApi(ConsultationsAPIView):
    """Take the place offered to the caller, while the offer lasts; answers the booking."""

    @extend_schema(request=None, responses={201: BookingOutputSerializer, **_ERRORS})
    def post(self, request: Request, entry_id: int) -> Response:
        booking = services.waitlist_confirm(entry_id=entry_id, teacher=self.actor)
        return Response(
            BookingOutputSerializer(
                _bookings(Booking.objects.all()).get(pk=booking.pk), context=self.context()
            ).data,
            status=status.HTTP_201_CREATED,
        )


class WaitlistDeclineApi(ConsultationsAPIView):
    """Leave the waitlist; a place offered to the caller passes to the next teacher."""

    @extend_schema(request=None, responses={204: None, **_ERRORS})
    def post(self, request: Request, entry_id: int) -> Response:
        services.waitlist_decline(entry_id=entry_id, teacher=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
