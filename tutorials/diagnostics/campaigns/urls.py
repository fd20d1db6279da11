"""The diagnostics pages, under /diagnostics/ on an organisation's site."""

from django.urls import path

from . import views_staff, views_teacher

app_name = "campaigns"

urlpatterns = [
    path("my/", views_teacher.my, name="my"),
    path("take/<int:campaign_id>/", views_teacher.start, name="start"),
    path("attempts/<int:attempt_id>/", views_teacher.attempt_page, name="attempt"),
    path("attempts/<int:attempt_id>/result/", views_teacher.result, name="result"),
    path("campaigns/", views_staff.campaigns, name="campaigns"),
    path("campaigns/new/", views_staff.campaign_new, name="campaign-new"),
    path("campaigns/<int:campaign_id>/", views_staff.campaign, name="campaign"),
    path("campaigns/<int:campaign_id>/edit/", views_staff.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:campaign_id>/delete/", views_staff.campaign_delete, name="campaign-delete"),
    path("campaigns/<int:campaign_id>/extend/", views_staff.campaign_extend, name="campaign-extend"),
    path("campaigns/<int:campaign_id>/questions/", views_staff.question_add, name="question-add"),
    path(
        "campaigns/<int:campaign_id>/questions/<int:question_id>/",
        views_staff.question_edit,
        name="question-edit",
    ),
    path(
        "campaigns/<int:campaign_id>/questions/<int:question_id>/delete/",
        views_staff.question_delete,
        name="question-delete",
    ),
    path("campaigns/<int:campaign_id>/publish/", views_staff.publish, name="publish"),
    path("campaigns/<int:campaign_id>/results/", views_staff.results, name="results"),
    path("campaigns/<int:campaign_id>/analysis/", views_staff.analysis, name="analysis"),
    path("campaigns/<int:campaign_id>/analysis.xlsx", views_staff.analysis_xlsx, name="analysis-xlsx"),
    path("grading/", views_staff.grading_queue, name="grading"),
    path("grading/<int:attempt_item_id>/", views_staff.grade, name="grade"),
]
