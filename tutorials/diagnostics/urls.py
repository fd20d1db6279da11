"""The question bank's pages, on an organisation's site under /diagnostics/bank/."""

from django.urls import path

from . import views

app_name = "diagnostics"

urlpatterns = [
    path("", views.bank_list, name="bank"),
    path("items/new/", views.item_create, name="item-create"),
    path("items/<int:item_id>/", views.item_preview, name="item"),
    path("items/<int:item_id>/edit/", views.item_edit, name="item-edit"),
    path("items/<int:item_id>/archive/", views.item_archive, name="item-archive"),
    path("items/<int:item_id>/images/", views.item_image_upload, name="item-image-upload"),
    path("images/<int:image_id>/", views.item_image, name="image"),
    path("import/", views.bank_list, name="import"),
]
