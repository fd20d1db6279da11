"""The case-bank pages, under /casebank/ on an organisation's site (``MATERIAL_PATH`` matches)."""

from django.urls import path

from . import views

app_name = "casebank"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.material_create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("favourites/", views.favourites, name="favourites"),
    path("moderation/", views.moderation, name="moderation"),
    path("materials/<int:material_id>/", views.material_detail, name="material"),
    path("materials/<int:material_id>/versions/<int:number>/", views.version_detail, name="version"),
    path("materials/<int:material_id>/edit/", views.material_edit, name="edit"),
    path("materials/<int:material_id>/publish-here/", views.material_publish_here, name="publish-here"),
    path("materials/<int:material_id>/submit/", views.material_submit, name="submit"),
    path("materials/<int:material_id>/delete/", views.material_delete, name="delete"),
    path("materials/<int:material_id>/rate/", views.material_rate, name="rate"),
    path("materials/<int:material_id>/favourite/", views.material_favourite, name="favourite"),
    path("materials/<int:material_id>/comment/", views.material_comment, name="comment"),
    path("materials/<int:material_id>/moderate/", views.moderate, name="moderate"),
    path("files/<int:attachment_id>/", views.download, name="download"),
]
