"""The operator's site only links onwards into the portals."""

from django.urls import path

from . import views

urlpatterns = [path("go/<int:organisation_id>/", views.go, name="go")]
