from django.urls import path

from . import api, api_build

urlpatterns = [
    path("campaigns/", api.CampaignListApi.as_view(), name="api-diagnostics-campaigns"),
    path(
        "campaigns/<int:campaign_id>/", api_build.CampaignDraftApi.as_view(), name="api-diagnostics-campaign"
    ),
    path(
        "campaigns/<int:campaign_id>/questions/",
        api_build.QuestionAddApi.as_view(),
        name="api-diagnostics-campaign-questions",
    ),
    path(
        "campaigns/<int:campaign_id>/questions/<int:question_id>/",
        api_build.QuestionDeleteApi.as_view(),
        name="api-diagnostics-campaign-question",
    ),
    path(
        "campaigns/<int:campaign_id>/publish/",
        api_build.CampaignPublishApi.as_view(),
        name="api-diagnostics-campaign-publish",
    ),
    path(
        "campaigns/<int:campaign_id>/extend/",
        api_build.CampaignExtendApi.as_view(),
        name="api-diagnostics-campaign-extend",
    ),
    path("campaigns/<int:campaign_id>/start/", api.AttemptStartApi.as_view(), name="api-diagnostics-start"),
    path(
        "campaigns/<int:campaign_id>/results/",
        api.CampaignResultsApi.as_view(),
        name="api-diagnostics-results",
    ),
    path("attempts/<int:attempt_id>/", api.AttemptDetailApi.as_view(), name="api-diagnostics-attempt"),
    path(
        "attempts/<int:attempt_id>/answers/<int:version_id>/",
        api.AnswerSaveApi.as_view(),
        name="api-diagnostics-answer",
    ),
    path("attempts/<int:attempt_id>/submit/", api.AttemptSubmitApi.as_view(), name="api-diagnostics-submit"),
    path(
        "attempts/<int:attempt_id>/questionnaire/<int:question_id>/",
        api.QuestionnaireAnswerApi.as_view(),
        name="api-diagnostics-questionnaire",
    ),
    path("attempts/<int:attempt_id>/result/", api.AttemptResultApi.as_view(), name="api-diagnostics-result"),
    path("grading/<int:attempt_item_id>/", api.GradeApi.as_view(), name="api-diagnostics-grade"),
]
