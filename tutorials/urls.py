"""The tutorial pages, under /tutorials/ on an organisation's site."""

from django.urls import path

from . import calendar_views, certificate_views, views, views_organise

app_name = "tutorials"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("my/", views.my, name="my"),
    path("calendar/", calendar_views.district_calendar, name="calendar"),
    path("<int:tutorial_id>/", views.detail, name="detail"),
    path("<int:tutorial_id>/register/", views.register, name="register"),
    path("<int:tutorial_id>/checkin/", views.checkin_view, name="checkin"),
    path("<int:tutorial_id>/feedback/", views.feedback, name="feedback"),
    path("<int:tutorial_id>/ics/", views.tutorial_ics, name="ics"),
    path("<int:tutorial_id>/join/", views.join, name="join"),
    path(
        "registrations/<int:registration_id>/cancel/", views.registration_cancel, name="cancel-registration"
    ),
    path("registrations/<int:registration_id>/accept/", views.waitlist_accept, name="accept-offer"),
    path("materials/<int:material_id>/", views.material_download, name="material"),
    path("certificates/<int:certificate_id>/pdf/", certificate_views.download, name="certificate-pdf"),
    # The organiser's and the methodologist's pages.
    path("organise/", views_organise.organise, name="organise"),
    path("new/", views_organise.edit, name="new"),
    path("<int:tutorial_id>/edit/", views_organise.edit, name="edit"),
    path("<int:tutorial_id>/publish/", views_organise.publish, name="publish"),
    path("<int:tutorial_id>/cancel/", views_organise.cancel, name="cancel"),
    path("<int:tutorial_id>/move/", views_organise.move, name="move"),
    path("<int:tutorial_id>/message/", views_organise.message, name="message"),
    path("<int:tutorial_id>/participants/", views_organise.participants, name="participants"),
    path("<int:tutorial_id>/participants.xlsx", views_organise.export, name="export"),
    path("<int:tutorial_id>/certificates/", views_organise.certificates_issue, name="certificates"),
    path("<int:tutorial_id>/materials/", views_organise.material_upload, name="material-upload"),
    path(
        "registrations/<int:registration_id>/approve/",
        views_organise.decide,
        {"answer": "approve"},
        name="approve",
    ),
    path(
        "registrations/<int:registration_id>/decline/",
        views_organise.decide,
        {"answer": "decline"},
        name="decline",
    ),
    path("sessions/<int:session_id>/attendance/", views_organise.attendance, name="attendance"),
    path("sessions/<int:session_id>/code/", views_organise.code_screen, name="code"),
    path("sessions/<int:session_id>/code.json", views_organise.code_json, name="code-json"),
]
