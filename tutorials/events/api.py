"""The REST API of multi-day events, under /api/events/ (in the OpenAPI schema).

The same services and selectors as the pages; a ``TutornetError`` becomes a 4xx
JSON body naming the field (``tutornet.api.exception_handler``).  A person acts
through the membership that lets them use this organisation (a school's teacher
on the centre's host), exactly as on the pages; an event they may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Membership
from tutornet.api import TutornetAPIView, district_membership_of
from tutornet.errors import NotFoundError, PermissionDeniedError

from .. import api_shapes as shapes
from . import permissions, selectors, services
from .models import MAX_RATING, Event, Participant


class EventsAPIView(TutornetAPIView):
    @property
    def membership(self) -> Membership | None:
        return district_membership_of(self.request)

    def event(self, event_id: int) -> Event:
        event = Event.objects.filter(pk=event_id).prefetch_related("organisers", "audience_subjects").first()
        if event is None or not permissions.can_see(self.membership, event):
            raise NotFoundError(_("There is no such event."))
        return event


class TrackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    place = serializers.CharField()
    places = serializers.IntegerField()
    assigned = serializers.IntegerField()
    min_size = serializers.IntegerField()


class BlockSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    tracks = TrackSerializer(many=True, source="tracks.all")


class DaySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    blocks = BlockSerializer(many=True, source="blocks.all")


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    fill_mode = serializers.CharField()
    status = serializers.CharField()
    capacity = serializers.IntegerField(allow_null=True)
    registered = serializers.IntegerField()
    rating_opens_at = serializers.DateTimeField(allow_null=True)
    rating_closes_at = serializers.DateTimeField(allow_null=True)


class EventDetailSerializer(EventSerializer):
    days = serializers.SerializerMethodField()

    @extend_schema_field(DaySerializer(many=True))
    def get_days(self, event: Event) -> Any:
        return DaySerializer(selectors.event_structure(event), many=True).data


class ScheduleRowSerializer(serializers.Serializer):
    block = serializers.IntegerField(source="block.pk")
    block_title = serializers.CharField(source="block.title")
    starts_at = serializers.DateTimeField(source="block.starts_at")
    ends_at = serializers.DateTimeField(source="block.ends_at")
    track = serializers.IntegerField(source="track.pk", allow_null=True, default=None)
    track_title = serializers.CharField(source="track.title", allow_null=True, default=None)
    attended = serializers.BooleanField()


class PointsSerializer(serializers.Serializer):
    participant = serializers.IntegerField(source="participant.pk")
    name = serializers.CharField(source="participant.user.get_full_name")
    attendance = serializers.IntegerField()
    reflection = serializers.IntegerField()
    tasks = serializers.IntegerField()
    total = serializers.IntegerField()


class ParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.get_full_name")
    email = serializers.EmailField(source="user.email")
    organisation = serializers.IntegerField(source="organisation_id")
    registered_at = serializers.DateTimeField()


class RatingsInputSerializer(serializers.Serializer):
    ratings = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=MAX_RATING),
        help_text="track id -> rating, 0 (cannot attend) to 5; every track of the event.",
    )


class RunSerializer(serializers.Serializer):
    block = serializers.IntegerField(source="block_id")
    satisfaction = serializers.IntegerField()
    best_possible = serializers.IntegerField()
    placed = serializers.IntegerField()
    unassigned = serializers.ListField(child=serializers.IntegerField(), help_text="participant ids")
    under_minimum = serializers.ListField(child=serializers.IntegerField(), help_text="track ids")


class EventListApi(EventsAPIView):
    pagination_class = None  # type: ignore[assignment]  # a plain list: the schema then declares one

    @extend_schema(operation_id="events_list", responses=EventSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The events this person may see here (published ones of their audience, and those they manage)."""
        return Response(EventSerializer(selectors.events_for(self.membership), many=True).data)


class EventDetailApi(EventsAPIView):
    @extend_schema(
        operation_id="events_retrieve", responses={200: EventDetailSerializer, 404: OpenApiResponse()}
    )
    def get(self, request: Request, event_id: int) -> Response:
        return Response(EventDetailSerializer(self.event(event_id)).data)


class RegisterApi(EventsAPIView):
    @shapes.registration_schema(
        "events_register", request=None, response=ParticipantSerializer, conflict="No places left."
    )
    def post(self, request: Request, event_id: int) -> Response:
        return shapes.create(
            request,
            lambda _data: services.participant_register(
                actor=self.actor, membership=self.membership, event_id=event_id
            ),
            answer=lambda participant: ParticipantSerializer(participant).data,
        )


class RatingsApi(EventsAPIView):
    @extend_schema(
        operation_id="events_ratings_save",
        request=RatingsInputSerializer,
        responses={200: RatingsInputSerializer},
    )
    def put(self, request: Request, event_id: int) -> Response:
        data = RatingsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[int, int] = {}
        for key, value in data.validated_data["ratings"].items():
            if not str(key).isdigit():
                raise serializers.ValidationError({"ratings": [_("There is no such track in this event.")]})
            values[int(key)] = value
        services.ratings_save(actor=self.actor, membership=self.membership, event_id=event_id, values=values)
        return Response({"ratings": {str(k): v for k, v in values.items()}})


class ScheduleApi(EventsAPIView):
    pagination_class = None  # type: ignore[assignment]  # a plain list: the schema then declares one

    @extend_schema(operation_id="events_schedule", responses=ScheduleRowSerializer(many=True))
    def get(self, request: Request, event_id: int) -> Response:
        """The caller's personal schedule: every block with their track (or null)."""
        event = self.event(event_id)
        participant = selectors.participant_of(event, self.actor)
        if participant is None:
            raise PermissionDeniedError(_("Register for the event first."))
        rows = [row for day in selectors.schedule_for(event, participant) for row in day.rows]
        return Response(ScheduleRowSerializer(rows, many=True).data)


class AllocateApi(EventsAPIView):
    pagination_class = None  # type: ignore[assignment]  # a plain list: the schema then declares one

    @extend_schema(operation_id="events_allocate", request=None, responses={200: RunSerializer(many=True)})
    def post(self, request: Request, event_id: int) -> Response:
        summaries = services.event_allocate(actor=self.actor, membership=self.membership, event_id=event_id)
        return Response(RunSerializer(summaries, many=True).data)


class ParticipantsApi(EventsAPIView):
    @extend_schema(operation_id="events_participants", responses=ParticipantSerializer(many=True))
    def get(self, request: Request, event_id: int) -> Response:
        """Organisers and the organisation's staff only."""
        event = self.event(event_id)
        if not permissions.can_see_participants(self.membership, event):
            raise PermissionDeniedError(_("Participant lists are for the event's organisers."))
        participants = Participant.objects.filter(
            event=event, status=Participant.Status.REGISTERED
        ).select_related("user")
        return self.paginated(participants.order_by("registered_at", "pk"), ParticipantSerializer)


class PointsApi(EventsAPIView):
    pagination_class = None  # type: ignore[assignment]  # a plain list: the schema then declares one

    @extend_schema(operation_id="events_points", responses=PointsSerializer(many=True))
    def get(self, request: Request, event_id: int) -> Response:
        """The board when the caller may see it (the event's setting); otherwise their own row."""
        event = self.event(event_id)
        participant = selectors.participant_of(event, self.actor)
        if permissions.can_see_board(self.membership, event, is_participant=participant is not None):
            rows: list[Any] = selectors.points_board(event)
        elif participant is not None:
            rows = selectors.points_board(event, only=participant)
        else:
            raise PermissionDeniedError(_("Register for the event first."))
        return Response(PointsSerializer(rows, many=True).data)


class CheckInApi(EventsAPIView):
    @shapes.checkin_schema("events_check_in")
    def post(self, request: Request, track_id: int) -> Response:
        return shapes.checkin(
            request,
            lambda code: services.check_in(
                actor=self.actor, membership=self.membership, track_id=track_id, code=code
            ),
        )
