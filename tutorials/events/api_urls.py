from django.urls import path

from . import api

urlpatterns = [
    path("", api.EventListApi.as_view(), name="api-events"),
    path("<int:event_id>/", api.EventDetailApi.as_view(), name="api-event"),
    path("<int:event_id>/register/", api.RegisterApi.as_view(), name="api-event-register"),
    path("<int:event_id>/ratings/", api.RatingsApi.as_view(), name="api-event-ratings"),
    path("<int:event_id>/schedule/", api.ScheduleApi.as_view(), name="api-event-schedule"),
    path("<int:event_id>/allocate/", api.AllocateApi.as_view(), name="api-event-allocate"),
    path("<int:event_id>/participants/", api.ParticipantsApi.as_view(), name="api-event-participants"),
    path("<int:event_id>/points/", api.PointsApi.as_view(), name="api-event-points"),
    path("tracks/<int:track_id>/check-in/", api.CheckInApi.as_view(), name="api-event-check-in"),
]
