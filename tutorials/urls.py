"""The tutorial pages, under /tutorials/ on an organisation's site."""

from django.urls import path

from . import certificate_views

app_name = "tutorials"

urlpatterns = [
    path("certificates/<int:certificate_id>/pdf/", certificate_views.download, name="certificate-pdf"),
]
