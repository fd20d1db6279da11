from django.urls import path

from . import api

urlpatterns = [
    path("", api.RouteListApi.as_view(), name="api-routes"),
    path("<int:route_id>/", api.RouteDetailApi.as_view(), name="api-route"),
    path("<int:route_id>/comments/", api.RouteCommentsApi.as_view(), name="api-route-comments"),
]
