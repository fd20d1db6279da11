"""REST API of the case-material bank, under /api/casebank/ on an organisation's host."""

from django.urls import path

from . import api

M = "materials/<int:material_id>/"

urlpatterns = [
    path("search/", api.SearchApi.as_view(), name="api-casebank-search"),
    path("materials/", api.MaterialListCreateApi.as_view(), name="api-casebank-materials"),
    path(M, api.MaterialDetailApi.as_view(), name="api-casebank-material"),
    path(M + "versions/", api.VersionListApi.as_view(), name="api-casebank-versions"),
    path(M + "versions/<int:number>/", api.VersionDetailApi.as_view(), name="api-casebank-version"),
    path(M + "publish-in-school/", api.PublishInSchoolApi.as_view(), name="api-casebank-publish-in-school"),
    path(M + "submit/", api.SubmitApi.as_view(), name="api-casebank-submit"),
    path(M + "publish/", api.PublishApi.as_view(), name="api-casebank-publish"),
    path(M + "return/", api.ReturnApi.as_view(), name="api-casebank-return"),
    path(M + "reject/", api.RejectApi.as_view(), name="api-casebank-reject"),
    path(M + "rating/", api.RateApi.as_view(), name="api-casebank-rating"),
    path(M + "favourite/", api.FavouriteApi.as_view(), name="api-casebank-favourite"),
    path(M + "comments/", api.CommentListCreateApi.as_view(), name="api-casebank-comments"),
    path(M + "similar/", api.SimilarApi.as_view(), name="api-casebank-similar"),
    path("moderation/", api.ModerationQueueApi.as_view(), name="api-casebank-moderation"),
    path("files/<int:attachment_id>/", api.DownloadApi.as_view(), name="api-casebank-file"),
]
