"""Paths of the joined-up portal, mounted at the root of every organisation's site."""

from django.urls import path

from accounts import views as account_views

from . import views

app_name = "portal"

urlpatterns = [
    # The same page as accounts:hop, with ``?next=``: a sign-in ticket posted to that portal.
    path("go/<int:organisation_id>/", account_views.hop, name="go"),
    path("my/calendar/", views.calendar, name="calendar"),
    path("my/organisations/", views.me, name="me"),
    path("tutors/<int:user_id>/", views.tutor_profile, name="tutor"),
]
