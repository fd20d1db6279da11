"""REST API of the caller's own in-app inbox.

Notifications are personal (public schema): whichever portal shows them, a
person sees only their own, like the HTML inbox.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tutornet.api import TutornetAPIView

from .models import Kind, Notification
from .services import notifications_mark_read, unread_count


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    subject = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField()
    organisation_id = serializers.IntegerField(allow_null=True)
    organisation_short_name = serializers.CharField(
        source="organisation.short_name", allow_null=True, default=None
    )
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.SerializerMethodField()

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Only unread notifications.")


class NotificationListApi(TutornetAPIView):
    """The caller's own in-app notifications, newest first (``?unread=1``: unread ones only)."""

    @extend_schema(
        parameters=[NotificationFilterSerializer], responses=NotificationOutputSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        filters = NotificationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        notifications = Notification.objects.filter(recipient=self.actor, in_app=True).select_related(
            "organisation"
        )
        if filters.validated_data["unread"]:
            notifications = notifications.filter(read_at__isnull=True)
        return self.paginated(notifications.order_by("-created_at", "-pk"), NotificationOutputSerializer)


class MarkReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_empty=False
    )
    all = serializers.BooleanField(required=False, default=False, help_text="Mark every notification read.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("ids")) == bool(attrs.get("all")):
            raise serializers.ValidationError({"ids": [_("Send either a list of ids or “all”: true.")]})
        return attrs


class UnreadCountOutputSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkReadOutputSerializer(UnreadCountOutputSerializer):
    marked = serializers.IntegerField()


class NotificationMarkReadApi(TutornetAPIView):
    """Mark some (``ids``) or all (``all``) of the caller's notifications read.

    Ids of other people's notifications are ignored.
    """

    @extend_schema(request=MarkReadInputSerializer, responses=MarkReadOutputSerializer)
    def post(self, request: Request) -> Response:
        serializer = MarkReadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = None if serializer.validated_data["all"] else serializer.validated_data["ids"]
        marked = notifications_mark_read(user=self.actor, notification_ids=ids)
        output = {"marked": marked, "unread": unread_count(self.actor.pk)}
        return Response(MarkReadOutputSerializer(output).data)


class UnreadCountApi(TutornetAPIView):
    """How many of the caller's notifications are unread (the bell's number)."""

    @extend_schema(responses=UnreadCountOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(UnreadCountOutputSerializer({"unread": unread_count(self.actor.pk)}).data)
