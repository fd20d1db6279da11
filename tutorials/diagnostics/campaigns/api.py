"""REST API of the diagnostic campaigns: campaigns, attempts (start, answer, submit),
the questionnaire, results and grading.

The writes are the same ``services`` the pages call; who may do what is
``permissions`` on the caller's district membership (on the centre's host a
teacher acts with their school membership).  Times are UTC (ISO 8601); every
attempt answer carries ``server_now`` so a client's countdown follows the
server's clock, not the device's.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from tutornet.api import TutornetAPIView, district_membership_of

from . import permissions, selectors, services
from .api_build import CampaignCreateApi
from .models import Attempt, AttemptItem, Campaign
from .presentation import present_items


class CampaignOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    subject = serializers.CharField(source="subject.name")
    academic_year = serializers.CharField(source="academic_year.name")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    time_limit_minutes = serializers.IntegerField()
    is_open = serializers.BooleanField()
    attempt_id = serializers.IntegerField(allow_null=True)
    attempt_status = serializers.CharField(allow_null=True)


class ItemOutputSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    version_id = serializers.IntegerField()
    type = serializers.CharField()
    text = serializers.CharField(help_text="Sanitised HTML; formulas in LaTeX.")
    max_points = serializers.CharField()
    choices = serializers.ListField(child=serializers.DictField(), required=False)
    left = serializers.ListField(child=serializers.DictField(), required=False)
    right = serializers.ListField(child=serializers.DictField(), required=False)
    unit = serializers.CharField(required=False)


class QuestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    answer = serializers.DictField(allow_null=True)


class AttemptOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign_id = serializers.IntegerField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    server_now = serializers.DateTimeField()
    items = ItemOutputSerializer(many=True)
    answers = serializers.DictField(help_text="version id -> the saved response")
    questionnaire = QuestionOutputSerializer(many=True)


class AnswerInputSerializer(serializers.Serializer):
    response = serializers.JSONField(help_text='The answer in its type\'s shape, e.g. {"choice": "b"}.')


class AnswerOutputSerializer(serializers.Serializer):
    version_id = serializers.IntegerField()
    saved_at = serializers.DateTimeField()
    saves = serializers.IntegerField()
    server_now = serializers.DateTimeField()


class QuestionnaireInputSerializer(serializers.Serializer):
    level = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2)
    choice = serializers.CharField(required=False, allow_blank=True)
    text = serializers.CharField(required=False, allow_blank=True)


class GradeInputSerializer(serializers.Serializer):
    points = serializers.CharField()
    comment = serializers.CharField(required=False, allow_blank=True)


class TopicLineSerializer(serializers.Serializer):
    code = serializers.CharField(source="topic.code")
    title = serializers.CharField(source="topic.title")
    earned = serializers.DecimalField(max_digits=8, decimal_places=2)
    possible = serializers.DecimalField(max_digits=8, decimal_places=2)
    percent = serializers.FloatField()
    below_threshold = serializers.BooleanField()
    declared_level = serializers.IntegerField(allow_null=True)


class DeficitSerializer(serializers.Serializer):
    topic_id = serializers.IntegerField(allow_null=True)
    topic_code = serializers.CharField()
    topic_title = serializers.CharField()
    competence_block = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named "source", as in the selector
    severity = serializers.CharField()
    percent = serializers.FloatField(allow_null=True)
    declared_level = serializers.IntegerField(allow_null=True)


class ResultOutputSerializer(serializers.Serializer):
    attempt_id = serializers.IntegerField()
    status = serializers.CharField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    max_score = serializers.DecimalField(max_digits=8, decimal_places=2)
    topics = TopicLineSerializer(many=True)
    deficits = DeficitSerializer(many=True)


def _attempt_data(attempt: Attempt) -> dict[str, Any]:
    items = selectors.attempt_items(attempt)
    answers = selectors.answers_of(attempt)
    questionnaire = [
        {
            "id": q.pk,
            "kind": q.kind,
            "text": q.text,
            "choices": q.choices,
            "answer": {"level": a.level, "choice": a.choice, "text": a.text} if a else None,
        }
        for q, a in selectors.questionnaire_of(attempt)
    ]
    return {
        "id": attempt.pk,
        "campaign_id": attempt.campaign_id,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "server_now": timezone.now(),
        "items": present_items(items, attempt.seed),
        "answers": {str(k): v for k, v in answers.items()},
        "questionnaire": questionnaire,
    }


def _own_attempt(request: Request, attempt_id: int) -> Attempt:
    attempt = Attempt.objects.filter(pk=attempt_id, teacher_id=request.user.pk).first()
    if attempt is None:
        raise NotFound(_("There is no such attempt."))
    return attempt


class CampaignListApi(CampaignCreateApi):
    """GET the campaigns; POST (``CampaignCreateApi``) a new draft."""

    pagination_class = None  # type: ignore[assignment]  # a plain list: the schema then declares one

    @extend_schema(responses=CampaignOutputSerializer(many=True), summary="Campaigns for me")
    def get(self, request: Request) -> Response:
        """The published campaigns meant for the caller (a teacher) with their attempt, or the
        campaigns the caller's staff role may see (``selectors.campaigns_listed``)."""
        membership = district_membership_of(request)
        rows: list[tuple[Campaign, Attempt | None]]
        if (
            permissions.can_manage(membership)
            or permissions.is_tutor(membership)
            or permissions.is_school_admin(membership)
        ):
            rows = [(c, None) for c in selectors.campaigns_listed(membership)]
        else:
            rows = selectors.campaigns_for_teacher(membership, request.user)
        data = [
            {
                **{f: getattr(c, f) for f in ("id", "title", "opens_at", "closes_at", "time_limit_minutes")},
                "subject": c.subject,
                "academic_year": c.academic_year,
                "is_open": c.is_open,
                "attempt_id": a.pk if a else None,
                "attempt_status": a.status if a else None,
            }
            for c, a in rows
        ]
        return Response(CampaignOutputSerializer(data, many=True).data)


class AttemptStartApi(TutornetAPIView):
    @extend_schema(
        request=None, responses={201: AttemptOutputSerializer}, summary="Start or resume my attempt"
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        attempt = services.attempt_start(campaign_id=campaign_id, membership=district_membership_of(request))
        return Response(AttemptOutputSerializer(_attempt_data(attempt)).data, status=status.HTTP_201_CREATED)


class AttemptDetailApi(TutornetAPIView):
    @extend_schema(responses=AttemptOutputSerializer, summary="My attempt, to resume it")
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = _own_attempt(request, attempt_id)
        return Response(AttemptOutputSerializer(_attempt_data(attempt)).data)


class AnswerSaveApi(TutornetAPIView):
    @extend_schema(request=AnswerInputSerializer, responses=AnswerOutputSerializer, summary="Save one answer")
    def put(self, request: Request, attempt_id: int, version_id: int) -> Response:
        """Save (or replace) the answer to one item.  409 when the time is up or the attempt
        is submitted (nothing changes), 400 for an item not in the attempt or a bad answer."""
        given = AnswerInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        answer = services.answer_save(
            attempt_id=attempt_id,
            user=request.user,  # type: ignore[arg-type]
            version_id=version_id,
            response=given.validated_data["response"],
        )
        return Response(
            {
                "version_id": answer.version_id,
                "saved_at": answer.saved_at,
                "saves": answer.saves,
                "server_now": answer.saved_at,
            }
        )


class AttemptSubmitApi(TutornetAPIView):
    @extend_schema(request=None, responses=ResultOutputSerializer, summary="Submit my attempt")
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = services.attempt_submit(attempt_id=attempt_id, user=request.user)  # type: ignore[arg-type]
        return Response(ResultOutputSerializer(_result(attempt)).data)


class QuestionnaireAnswerApi(TutornetAPIView):
    @extend_schema(request=QuestionnaireInputSerializer, responses={204: None}, summary="Answer a question")
    def put(self, request: Request, attempt_id: int, question_id: int) -> Response:
        given = QuestionnaireInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.questionnaire_answer_save(
            attempt_id=attempt_id,
            user=request.user,  # type: ignore[arg-type]
            question_id=question_id,
            level=given.validated_data.get("level"),
            choice=given.validated_data.get("choice", ""),
            text=given.validated_data.get("text", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _result(attempt: Attempt) -> dict[str, Any]:
    final = attempt.status == Attempt.Status.FINAL
    lines, deficits = selectors.result_of(attempt) if final else ([], [])
    return {
        "attempt_id": attempt.pk,
        "status": attempt.status,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "topics": lines,
        "deficits": deficits,
    }


class AttemptResultApi(TutornetAPIView):
    @extend_schema(responses=ResultOutputSerializer, summary="One teacher's result")
    def get(self, request: Request, attempt_id: int) -> Response:
        """The teacher's own result, or, for whoever may see individual results, anyone's."""
        attempt = Attempt.objects.select_related("campaign").filter(pk=attempt_id).first()
        if attempt is None or not permissions.can_see_attempt(
            district_membership_of(request), request.user, attempt
        ):
            raise NotFound(_("There is no such attempt."))
        return Response(ResultOutputSerializer(_result(attempt)).data)


class SchoolTopicSerializer(serializers.Serializer):
    code = serializers.CharField(source="topic.code")
    title = serializers.CharField(source="topic.title")
    mean_percent = serializers.FloatField()
    teachers = serializers.IntegerField()
    below_threshold = serializers.IntegerField()


class OptionCountSerializer(serializers.Serializer):
    option = serializers.CharField()
    teachers = serializers.IntegerField()


class QuestionSummarySerializer(serializers.Serializer):
    position = serializers.IntegerField(source="question.position")
    kind = serializers.CharField(source="question.kind")
    text = serializers.CharField(source="question.text")
    topic_code = serializers.CharField(source="question.topic.code", allow_null=True, default=None)
    competence_block = serializers.CharField(source="question.competence_block")
    answered = serializers.IntegerField()
    levels = serializers.ListField(
        child=serializers.IntegerField(), help_text="Scale: teachers answering none, partly, serious."
    )
    options = serializers.SerializerMethodField()
    texts = serializers.ListField(
        child=serializers.CharField(), help_text="Free text, without names: staff only."
    )

    @extend_schema_field(OptionCountSerializer(many=True))
    def get_options(self, summary: Any) -> list[dict[str, Any]]:
        return [{"option": o, "teachers": n} for o, n in summary.options]


class CampaignResultsOutputSerializer(serializers.Serializer):
    took_part = serializers.IntegerField()
    final = serializers.IntegerField()
    topics = SchoolTopicSerializer(many=True)
    questionnaire = QuestionSummarySerializer(many=True)
    teachers = serializers.ListField(child=serializers.DictField(), required=False)


class CampaignResultsApi(TutornetAPIView):
    @extend_schema(responses=CampaignResultsOutputSerializer, summary="A campaign's results")
    def get(self, request: Request, campaign_id: int) -> Response:
        """Staff: every teacher and the mean per topic.  A school's administrator: their
        school's participation and mean per topic (names only where the campaign allows)."""
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise NotFound(_("There is no such diagnostic campaign."))
        membership = district_membership_of(request)
        if permissions.can_see_individual_results(membership, campaign):
            rows = selectors.teacher_rows(campaign)
            data: dict[str, Any] = {
                "took_part": len(rows),
                "final": sum(1 for a in rows if a.status == Attempt.Status.FINAL),
                "topics": selectors.topic_aggregates(campaign),
                "questionnaire": selectors.questionnaire_summary(campaign, with_texts=True),
                "teachers": [_teacher_row(a) for a in rows],
            }
        elif permissions.is_school_admin(membership):
            school_id = permissions.school_of(membership)
            if school_id is None:
                raise PermissionDenied()
            data = selectors.school_aggregate(campaign, school_id)
            data["questionnaire"] = selectors.questionnaire_summary(campaign, school_id=school_id)
            if permissions.school_admin_sees_names(membership, campaign):
                data["teachers"] = [
                    _teacher_row(a) for a in selectors.teacher_rows(campaign, school_id=school_id)
                ]
        else:
            raise PermissionDenied()
        return Response(CampaignResultsOutputSerializer(data).data)


def _teacher_row(attempt: Attempt) -> dict[str, Any]:
    return {
        "attempt_id": attempt.pk,
        "teacher": attempt.teacher.get_full_name(),
        "school_id": attempt.school_id,
        "status": attempt.status,
        "score": str(attempt.score) if attempt.score is not None else None,
        "max_score": str(attempt.max_score),
    }


class GradeApi(TutornetAPIView):
    @extend_schema(
        request=GradeInputSerializer,
        responses={204: None},
        summary="Grade an extended answer (a methodologist: or correct its grade)",
    )
    def post(self, request: Request, attempt_item_id: int) -> Response:
        given = GradeInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # Already graded: a methodologist's correction (``answer_regrade``), else a 409.
        graded = AttemptItem.objects.filter(pk=attempt_item_id, needs_grading=False, graded_at__isnull=False)
        membership = district_membership_of(request)
        grade_it = (
            services.answer_regrade
            if permissions.can_manage(membership) and attempt_item_id < 2**31 and graded.exists()
            else services.answer_grade
        )
        grade_it(
            attempt_item_id=attempt_item_id,
            membership=membership,
            points=given.validated_data["points"],
            comment=given.validated_data.get("comment", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
