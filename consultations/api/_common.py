"""What the consultations API endpoints share: the base view, time fields, output serializers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.api import BriefPersonOutputSerializer, SubjectOutputSerializer
from accounts.models import Membership, User
from tutornet.api import TutornetAPIView, district_membership_of, membership_of

from .. import permissions, video
from ..models import Booking, Offering, Rating, Slot


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
