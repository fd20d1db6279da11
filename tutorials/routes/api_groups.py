"""The REST API of group routes (read-only, in the OpenAPI schema): the groups this person
may see with their counts, and one group with its topics, tasks and members.  The same
visibility as the pages (methodologists, and the group's tutors); anyone else gets a 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tutornet.api import TutornetAPIView

from . import group_builder


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    subject_id = serializers.IntegerField()
    academic_year = serializers.CharField(source="academic_year.name")
    status = serializers.CharField()
    version = serializers.IntegerField()
    member_count = serializers.IntegerField()
    school_count = serializers.IntegerField()
    item_count = serializers.IntegerField()


class GroupItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic_id = serializers.IntegerField(allow_null=True)
    task = serializers.CharField()
    form = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    expected_result = serializers.CharField()
    target_kind = serializers.CharField()
    target_id = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()


class GroupMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    teacher_id = serializers.IntegerField()
    teacher = serializers.CharField()
    school_id = serializers.IntegerField()
    route_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()


class GroupDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    topic_ids = serializers.ListField(child=serializers.IntegerField())
    tutor_ids = serializers.ListField(child=serializers.IntegerField())
    items = GroupItemSerializer(many=True)
    members = GroupMemberSerializer(many=True)


class GroupListApi(TutornetAPIView):
    pagination_class = None  # type: ignore[assignment]  # a plain list: the schema then declares one

    @extend_schema(operation_id="route_groups_list", responses=GroupSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The group routes this person may see (a methodologist: all; a tutor: their groups)."""
        groups = group_builder.visible_groups(request.user).order_by("pk")[:500]
        return Response(GroupSerializer(groups, many=True).data)


class GroupDetailApi(TutornetAPIView):
    @extend_schema(
        operation_id="route_groups_retrieve", responses={200: GroupDetailSerializer, 404: OpenApiResponse()}
    )
    def get(self, request: Request, group_id: int) -> Response:
        group = group_builder.group_page(group_id, request.user)
        data = {
            "id": group.pk,
            "title": group.title,
            "status": group.status,
            "version": group.version,
            "topic_ids": [t.pk for t in group.topics.all()],
            "tutor_ids": [t.pk for t in group.tutors.all()],
            "items": group_builder.items_of(group),
            "members": group_builder.members_of(group),
        }
        return Response(GroupDetailSerializer(data).data)
