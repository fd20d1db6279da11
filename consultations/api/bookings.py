"""The API of bookings (book, cancel, move, mark, rate) and of the waitlist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tutornet.errors import PermissionDeniedError, TutornetError

from .. import permissions, selectors, services
from ..models import Booking, WaitlistEntry
from ._common import (
    BookingDetailOutputSerializer,
    BookingOutputSerializer,
    BookingPageSerializer,
    ConsultationsAPIView,
    RatingOutputSerializer,
    SlotOutputSerializer,
    UTCDateTimeField,
    _bookings,
    _not_found,
    _page_of,
    new_booking_data,
)

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
