from django.urls import path

from . import api

urlpatterns = [
    path("", api.TutorialListCreateApi.as_view(), name="api-tutorials"),
    path("<int:tutorial_id>/", api.TutorialDetailApi.as_view(), name="api-tutorials-detail"),
    path("<int:tutorial_id>/publish/", api.TutorialPublishApi.as_view(), name="api-tutorials-publish"),
    path("<int:tutorial_id>/register/", api.TutorialRegisterApi.as_view(), name="api-tutorials-register"),
    path("<int:tutorial_id>/participants/", api.ParticipantsApi.as_view(), name="api-tutorials-participants"),
    path("<int:tutorial_id>/checkin/", api.CheckinApi.as_view(), name="api-tutorials-checkin"),
    path("<int:tutorial_id>/feedback/", api.FeedbackApi.as_view(), name="api-tutorials-feedback"),
    path("registrations/", api.MyRegistrationsApi.as_view(), name="api-tutorials-registrations"),
    path(
        "registrations/<int:registration_id>/cancel/",
        api.RegistrationCancelApi.as_view(),
        name="api-tutorials-registration-cancel",
    ),
    path(
        "registrations/<int:registration_id>/accept/",
        api.RegistrationAcceptApi.as_view(),
        name="api-tutorials-registration-accept",
    ),
    path("certificates/", api.MyCertificatesApi.as_view(), name="api-tutorials-certificates"),
]
