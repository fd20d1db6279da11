"""The REST API of professional routes, under /api/routes/ (in the OpenAPI schema): the
routes this person may see, and one route with its plan, transitions and evidence.  The
same permissions and selectors as the pages; a route this person may not see is a 404."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tutornet.api import TutornetAPIView
from tutornet.errors import NotFoundError

from . import permissions, selectors


class RouteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    teacher_id = serializers.IntegerField()
    teacher = serializers.CharField()
    school_id = serializers.IntegerField()
    academic_year = serializers.CharField(source="academic_year.name")
    tutor_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    version = serializers.IntegerField()


class PlanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic_id = serializers.IntegerField(allow_null=True)
    deficit = serializers.CharField()
    task = serializers.CharField()
    form = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    expected_result = serializers.CharField()
    status = serializers.CharField()
    proposal = serializers.CharField()
    why = serializers.CharField()
    target_kind = serializers.CharField()
    target_id = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()


class TransitionSerializer(serializers.Serializer):
    actor_id = serializers.IntegerField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item_id = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    note = serializers.CharField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class RouteDetailSerializer(RouteSerializer):
    interest = serializers.CharField()
    question = serializers.CharField()
    goal = serializers.CharField()
    resources = serializers.CharField()
    presentation = serializers.CharField()
    reflection = serializers.CharField()
    items = PlanItemSerializer(many=True, source="items.all")
    transitions = TransitionSerializer(many=True, source="transitions.all")
    evidence = EvidenceSerializer(many=True, source="evidence.all")


class RouteListApi(TutornetAPIView):
    pagination_class = None  # type: ignore[assignment]  # a plain list: the schema then declares one

    @extend_schema(operation_id="routes_list", responses=RouteSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The routes this person may see (own, tutorants', their school's, or the district's)."""
        routes = selectors.visible_routes(request.user).order_by("pk")[:500]
        return Response(RouteSerializer(routes, many=True).data)


class RouteDetailApi(TutornetAPIView):
    @extend_schema(
        operation_id="routes_retrieve", responses={200: RouteDetailSerializer, 404: OpenApiResponse()}
    )
    def get(self, request: Request, route_id: int) -> Response:
        route = selectors.route_page(route_id)
        if route is None or not permissions.can_view(request.user, route):
            raise NotFoundError(_("There is no such route."))
        return Response(RouteDetailSerializer(route).data)


# --- the discussion (comments) ------------------------------------------------------


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author_id = serializers.IntegerField()
    author = serializers.CharField()
    item_id = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    item_id = serializers.IntegerField(required=False, allow_null=True)


class RouteCommentsApi(TutornetAPIView):
    pagination_class = None  # type: ignore[assignment]  # a plain list: the schema then declares one

    @extend_schema(
        operation_id="routes_comments_list",
        responses={200: CommentSerializer(many=True), 404: OpenApiResponse()},
    )
    def get(self, request: Request, route_id: int) -> Response:
        """The route's discussion, oldest first (whoever may see the route)."""
        from . import comments

        thread = comments.comments_for(actor=request.user, route_id=route_id)  # type: ignore[arg-type]
        return Response(CommentSerializer(thread, many=True).data)

    @extend_schema(
        operation_id="routes_comments_create",
        request=CommentInputSerializer,
        responses={201: CommentSerializer, 400: OpenApiResponse(), 404: OpenApiResponse()},
    )
    def post(self, request: Request, route_id: int) -> Response:
        """Write in the route's discussion; the other participants are notified."""
        from rest_framework import status

        from . import comments

        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = comments.comment_add(
            actor=request.user,  # type: ignore[arg-type]
            route_id=route_id,
            text=data.validated_data["text"],
            item_id=data.validated_data.get("item_id"),
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
