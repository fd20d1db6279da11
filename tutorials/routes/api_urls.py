from django.urls import path

from . import api

urlpatterns = [
    path("", api.RouteListApi.as_view(), name="api-routes"),
    path("<int:route_id>/", api.RouteDetailApi.as_view(), name="api-route"),
    path("<int:route_id>/comments/", api.RouteCommentsApi.as_view(), name="api-route-comments"),
]

# Group routes (read-only).
from . import api_groups  # noqa: E402

urlpatterns += [
    path("groups/", api_groups.GroupListApi.as_view(), name="api-route-groups"),
    path("groups/<int:group_id>/", api_groups.GroupDetailApi.as_view(), name="api-route-group"),
]

# Actions: next year's draft, proposals for a campaign, booking from a plan item.
urlpatterns += [
    path("<int:route_id>/carry-over/", api.RouteCarryOverApi.as_view(), name="api-route-carry-over"),
    path(
        "campaigns/<int:campaign_id>/proposals/",
        api.CampaignProposalsApi.as_view(),
        name="api-route-proposals",
    ),
    path("<int:route_id>/items/<int:item_id>/book/", api.ItemBookApi.as_view(), name="api-route-item-book"),
]
