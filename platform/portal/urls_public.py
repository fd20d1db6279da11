"""The operator's site only links onwards into the portals."""

from django.urls import path

from accounts import views as account_views

urlpatterns = [path("go/<int:organisation_id>/", account_views.hop, name="go")]
