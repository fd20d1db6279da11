"""Paths of the joined-up portal, mounted at the root of every organisation's site."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("go/<int:organisation_id>/", views.go, name="go"),
    path("portal/hop/", views.hop, name="hop"),
    path("my/calendar/", views.calendar, name="calendar"),
    path("my/organisations/", views.me, name="me"),
    path("tutors/<int:user_id>/", views.tutor_profile, name="tutor"),
]
