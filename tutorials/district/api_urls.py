from django.urls import path

from . import api

urlpatterns = [
    path("<int:campaign_id>/", api.DistrictPictureApi.as_view(), name="api-district-picture"),
]
