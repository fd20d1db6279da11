"""REST API of building a campaign (methodologists): a draft with its test form, its
questionnaire's questions, publishing.  The same services the wizard's pages call, so the
same checks: a refusal is a 400 naming the field, 403 for anyone but the organisation's
methodologists, 404 for a campaign not here."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from codifier.models import CompetenceBlock
from tenants.models import AcademicYear, Subject
from tutorials.api import SaneDateTimeField
from tutornet.api import TutornetAPIView, district_membership_of

from . import services
from .models import Campaign, Question

# Ids within PostgreSQL's integer: a larger one is a 400 naming the field, not a 500.
MAX_ID = 2**31 - 1
MAX_LIST = 200


class CampaignInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    academic_year_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    subject_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    opens_at = SaneDateTimeField()
    closes_at = SaneDateTimeField()
    time_limit_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    deficit_threshold = serializers.IntegerField(min_value=0, max_value=100, default=60)
    school_admins_see_names = serializers.BooleanField(default=False)
    audience_school_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        default=list,
        max_length=MAX_LIST,
        help_text="Empty: every school of the district.",
    )
    form = serializers.ChoiceField(choices=Campaign.Form.choices, default=Campaign.Form.FIXED)
    version_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        default=list,
        max_length=MAX_LIST,
        help_text="Fixed form: item versions, in order.",
    )
    blueprint_topic_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), default=list, max_length=MAX_LIST
    )
    per_topic = serializers.IntegerField(min_value=0, max_value=20, default=0)


class DraftOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    form = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    time_limit_minutes = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)
    version_ids = serializers.ListField(child=serializers.IntegerField())
    blueprint_topic_ids = serializers.ListField(child=serializers.IntegerField())
    per_topic = serializers.IntegerField()


class QuestionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    text = serializers.CharField(max_length=1000)
    topic_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    competence_block = serializers.ChoiceField(
        choices=CompetenceBlock.choices, required=False, allow_blank=True, default=""
    )
    choices = serializers.ListField(child=serializers.CharField(max_length=500), default=list, max_length=50)


class QuestionCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()


def _draft(campaign: Campaign) -> dict[str, Any]:
    return {
        **{
            f: getattr(campaign, f)
            for f in ("id", "title", "form", "opens_at", "closes_at", "time_limit_minutes", "published_at")
        },
        "version_ids": list(campaign.items.order_by("position").values_list("version_id", flat=True)),
        "blueprint_topic_ids": sorted(campaign.blueprint_topics.values_list("pk", flat=True)),
        "per_topic": campaign.per_topic,
    }


def _refs(data: dict[str, Any]) -> dict[str, Any]:
    """The academic year and subject named by id (a 400 naming the field when unknown)."""
    year = AcademicYear.objects.filter(pk=data.pop("academic_year_id")).first()
    if year is None:
        raise serializers.ValidationError({"academic_year_id": ["There is no such academic year."]})
    subject = Subject.objects.filter(pk=data.pop("subject_id"), is_active=True).first()
    if subject is None:
        raise serializers.ValidationError({"subject_id": ["There is no such subject."]})
    return {**data, "academic_year": year, "subject": subject}


class CampaignCreateApi(TutornetAPIView):
    @extend_schema(
        operation_id="diagnostics_campaign_create",
        request=CampaignInputSerializer,
        responses={201: DraftOutputSerializer},
        summary="Create a draft campaign",
    )
    def post(self, request: Request) -> Response:
        given = CampaignInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        campaign = services.campaign_create(
            membership=district_membership_of(request), **_refs(dict(given.validated_data))
        )
        return Response(DraftOutputSerializer(_draft(campaign)).data, status=status.HTTP_201_CREATED)


class CampaignDraftApi(TutornetAPIView):
    @extend_schema(
        operation_id="diagnostics_campaign_update",
        request=CampaignInputSerializer,
        responses=DraftOutputSerializer,
        summary="Correct a draft campaign",
    )
    def put(self, request: Request, campaign_id: int) -> Response:
        given = CampaignInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        campaign = services.campaign_update(
            membership=district_membership_of(request),
            campaign_id=campaign_id,
            **_refs(dict(given.validated_data)),
        )
        return Response(DraftOutputSerializer(_draft(campaign)).data)

    @extend_schema(
        operation_id="diagnostics_campaign_delete",
        request=None,
        responses={204: None},
        summary="Delete a draft campaign",
    )
    def delete(self, request: Request, campaign_id: int) -> Response:
        services.campaign_delete(membership=district_membership_of(request), campaign_id=campaign_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionAddApi(TutornetAPIView):
    @extend_schema(
        operation_id="diagnostics_campaign_question_add",
        request=QuestionInputSerializer,
        responses={201: QuestionCreatedSerializer},
        summary="Add a questionnaire question to a draft",
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        given = QuestionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        question = services.question_add(
            membership=district_membership_of(request), campaign_id=campaign_id, **given.validated_data
        )
        return Response(
            QuestionCreatedSerializer(question).data,
            status=status.HTTP_201_CREATED,
        )


class QuestionDeleteApi(TutornetAPIView):
    @extend_schema(
        operation_id="diagnostics_campaign_question_delete",
        request=None,
        responses={204: None},
        summary="Remove a questionnaire question (while nobody has answered it)",
    )
    def delete(self, request: Request, campaign_id: int, question_id: int) -> Response:
        services.question_delete(
            membership=district_membership_of(request), campaign_id=campaign_id, question_id=question_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExtendInputSerializer(serializers.Serializer):
    closes_at = SaneDateTimeField()


class CampaignExtendApi(TutornetAPIView):
    @extend_schema(
        operation_id="diagnostics_campaign_extend",
        request=ExtendInputSerializer,
        responses=DraftOutputSerializer,
        summary="Move a published campaign's close later",
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        given = ExtendInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        campaign = services.campaign_extend(
            membership=district_membership_of(request),
            campaign_id=campaign_id,
            closes_at=given.validated_data["closes_at"],
        )
        return Response(DraftOutputSerializer(_draft(campaign)).data)


class CampaignPublishApi(TutornetAPIView):
    @extend_schema(
        operation_id="diagnostics_campaign_publish",
        request=None,
        responses=DraftOutputSerializer,
        summary="Publish a draft campaign",
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = services.campaign_publish(
            membership=district_membership_of(request), campaign_id=campaign_id
        )
        return Response(DraftOutputSerializer(_draft(campaign)).data)
