"""The Help Hour pages, under /consultations/help-hour/ (namespace ``consultations:help_hour``).

The request pages' paths are the ones notifications link to (``notify.SCHOOL_REQUEST_PATH``
on the school's site, ``notify.CENTRE_REQUEST_PATH`` on the centre's).
"""

from django.urls import path

from . import views

app_name = "help_hour"

urlpatterns = [
    path("", views.index, name="index"),
    # the school's site
    path("requests/", views.school_list, name="school-list"),
    path("new/", views.request_new, name="request-new"),
    path("<int:request_id>/", views.school_request, name="school-request"),
    path("<int:request_id>/edit/", views.request_edit, name="request-edit"),
    path("<int:request_id>/act/", views.school_request_action, name="school-request-action"),
    path("sessions/<int:session_id>/rate/", views.session_rate, name="rate"),
    # both sites: files and the video room, for those involved
    path("<int:request_id>/document/", views.document, name="document"),
    path("files/<int:file_id>/", views.outcome_file, name="outcome-file"),
    path("sessions/<int:session_id>/join/", views.session_join, name="join"),
    # the centre's site
    path("centre/", views.queue, name="queue"),
    path("centre/<int:request_id>/", views.centre_request, name="centre-request"),
    path("centre/<int:request_id>/act/", views.centre_request_action, name="centre-request-action"),
    path("centre/schedule/", views.schedule, name="schedule"),
    path("centre/sessions/<int:session_id>/", views.session_page, name="session"),
    path("centre/mine/", views.tutor_page, name="tutor"),
    path("centre/figures/", views.figures, name="figures"),
    path("centre/exports/<int:export_id>/", views.export_status, name="export-status"),
    path("centre/exports/<int:export_id>/download/", views.export_download, name="export-download"),
]
