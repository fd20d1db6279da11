"""REST API of the question bank, under /api/diagnostics/bank/."""

from django.urls import path

from . import api

urlpatterns = [
    path("items/", api.BankItemListCreateApi.as_view(), name="api-diagnostics-items"),
    path("items/<int:item_id>/", api.BankItemDetailApi.as_view(), name="api-diagnostics-item"),
    path(
        "items/<int:item_id>/versions/",
        api.BankItemVersionsApi.as_view(),
        name="api-diagnostics-item-versions",
    ),
    path(
        "items/<int:item_id>/archive/", api.BankItemArchiveApi.as_view(), name="api-diagnostics-item-archive"
    ),
]
