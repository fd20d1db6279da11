"""The codifier pages, on the centre's site."""

from django.urls import path

from . import views

app_name = "codifier"

urlpatterns = [
    path("", views.codifier_list, name="list"),
    path("import/", views.codifier_import, name="import"),
    path("mapping/import/", views.mapping_import, name="mapping-import"),
    path("<int:codifier_id>/", views.codifier_detail, name="detail"),
]
