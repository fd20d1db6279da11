"""The REST API of professional routes, under /api/routes/ (in the OpenAPI schema): the
routes this person may see, one route with its plan, transitions and evidence, its
discussion, and the actions: next year's draft (``carry_over``), proposals for a campaign
(``proposing``) and booking from a plan item (``booking``).  The same permissions,
selectors and services as the pages; a route this person may not see is a 404."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
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


# --- actions: next year's draft, proposals for a campaign, booking from a plan item ---------
# Each endpoint parses its input and calls the service, which checks the permission itself;
# a refusal is a 4xx body naming the field (``tutornet.api.exception_handler``).

# 401, 403, 404 and the 400 of an operation with input are declared for every operation by
# ``tutornet.api_schema``; here only what it cannot know.
ERRORS = {
    400: OpenApiResponse(description="A refused step; the body names the field and why."),
    409: OpenApiResponse(description="A conflict (someone did it at the same moment): reload and retry."),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


class CarriedSerializer(serializers.Serializer):
    route_id = serializers.IntegerField(source="route.pk", help_text="Next year's draft route.")
    academic_year = serializers.CharField(source="route.academic_year.name")
    carried = serializers.IntegerField(help_text="How many unfinished tasks came along this time.")


class RouteCarryOverApi(TutornetAPIView):
    @extend_schema(
        operation_id="routes_carry_over",
        request=None,
        responses={201: CarriedSerializer, **_errors(400, 409)},
        description="From a completed route, draft (or fill) the teacher's route of the next "
        "academic year with the unfinished tasks, as proposals, and the reflection as its goal. "
        "Carrying twice adds nothing. The teacher, their tutor or a methodologist.",
    )
    def post(self, request: Request, route_id: int) -> Response:
        from .carry_over import route_carry_over

        carried = route_carry_over(actor=self.actor, route_id=route_id)
        return Response(CarriedSerializer(carried).data, status=status.HTTP_201_CREATED)


class RouteDeficitSerializer(serializers.Serializer):
    topic_id = serializers.IntegerField(allow_null=True)
    topic_code = serializers.CharField()
    topic_title = serializers.CharField()
    competence_block = serializers.CharField()
    severity = serializers.CharField()
    percent = serializers.FloatField(allow_null=True)


class ProposalRowSerializer(serializers.Serializer):
    teacher_id = serializers.IntegerField(source="teacher.pk")
    teacher = serializers.CharField(source="teacher.get_full_name")
    school_id = serializers.IntegerField(allow_null=True)
    route_id = serializers.IntegerField(source="route.pk", allow_null=True, default=None)
    deficits = RouteDeficitSerializer(many=True, help_text="Strongest first (the proposals' ranking).")


class ProposalsSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    final = serializers.BooleanField(help_text="Routes are proposed only once the results are final.")
    teachers = ProposalRowSerializer(many=True)


class ProposeInputSerializer(serializers.Serializer):
    teacher_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=5000
    )


class ProposeOutcomeSerializer(serializers.Serializer):
    teacher_id = serializers.IntegerField()
    route_id = serializers.IntegerField(allow_null=True)
    added = serializers.IntegerField(help_text="New proposed tasks in the teacher's draft.")
    refused = serializers.CharField(help_text="Why nothing was proposed for this teacher, or empty.")


class CampaignProposalsApi(TutornetAPIView):
    pagination_class = None  # type: ignore[assignment]  # one campaign's teachers, a bounded list

    @extend_schema(
        operation_id="routes_campaign_proposals",
        responses={200: ProposalsSerializer},
        description="The campaign's teachers with deficits and their route for its year "
        "(the centre's methodologists).",
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        from . import proposing

        campaign, final, rows = proposing.rows(actor=self.actor, campaign_id=campaign_id)
        data = {"campaign_id": campaign.pk, "final": final, "teachers": rows}
        return Response(ProposalsSerializer(data).data)

    @extend_schema(
        operation_id="routes_campaign_propose",
        request=ProposeInputSerializer,
        responses={200: ProposeOutcomeSerializer(many=True)},
        description="Propose draft routes for these teachers (each its own transaction: a refusal "
        "for one, named in its `refused`, does not undo the others). Never two drafts for one "
        "teacher and year; proposing again adds nothing.",
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        from . import proposing

        data = ProposeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcomes = proposing.propose_for(
            actor=self.actor, campaign_id=campaign_id, teacher_ids=data.validated_data["teacher_ids"]
        )
        return Response(ProposeOutcomeSerializer(outcomes, many=True).data)


class ItemSlotSerializer(serializers.Serializer):
    slot_id = serializers.IntegerField(source="pk")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class BookInputSerializer(serializers.Serializer):
    slot_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="A time of the task's consultation; none for a tutorial."
    )


class ItemBookApi(TutornetAPIView):
    pagination_class = None  # type: ignore[assignment]  # at most booking.SLOTS_SHOWN times

    def _item(self, route_id: int, item_id: int) -> Any:
        from .models import PlanItem

        item = PlanItem.objects.select_related("route").filter(pk=item_id, route_id=route_id).first()
        if item is None or not permissions.can_view(self.actor, item.route):
            raise NotFoundError(_("There is no such task."))
        return item

    @extend_schema(
        operation_id="routes_item_slots",
        responses={200: ItemSlotSerializer(many=True)},
        description="The next free times of the task's consultation offering (empty for other tasks).",
    )
    def get(self, request: Request, route_id: int, item_id: int) -> Response:
        from .booking import next_slots

        item = self._item(route_id, item_id)
        return Response(ItemSlotSerializer(next_slots([item]).get(item.pk, []), many=True).data)

    @extend_schema(
        operation_id="routes_item_book",
        request=BookInputSerializer,
        responses={201: EvidenceSerializer, **_errors(400, 409)},
        description="Book the chosen time of the task's consultation, or register for its tutorial, "
        "through the consultations' and tutorials' own rules; the booking becomes the task's "
        "evidence. Only the route's teacher. A refusal writes nothing.",
    )
    def post(self, request: Request, route_id: int, item_id: int) -> Response:
        from .booking import item_book

        data = BookInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self._item(route_id, item_id)  # the task of this route, not one of another
        evidence = item_book(actor=self.actor, item_id=item_id, slot_id=data.validated_data.get("slot_id"))
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)
