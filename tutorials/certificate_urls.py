"""The public verification page of certificates: /certificates/<token>/ on the issuing organisation's site."""

from django.urls import path

from . import certificate_views

app_name = "certificates"

urlpatterns = [
    path("<str:token>/", certificate_views.verify, name="verify"),
]
