"""REST API of the case-material bank, under /api/casebank/ on an organisation's host."""

from django.urls import path

from .api import engagement, materials, moderation

M = "materials/<int:material_id>/"

urlpatterns = [
    path("search/", materials.SearchApi.as_view(), name="api-casebank-search"),
    path("materials/", materials.MaterialListCreateApi.as_view(), name="api-casebank-materials"),
    path(M, materials.MaterialDetailApi.as_view(), name="api-casebank-material"),
    path(M + "versions/", materials.VersionListApi.as_view(), name="api-casebank-versions"),
    path(M + "versions/<int:number>/", materials.VersionDetailApi.as_view(), name="api-casebank-version"),
    path(
        M + "publish-in-school/",
        moderation.PublishInSchoolApi.as_view(),
        name="api-casebank-publish-in-school",
    ),
    path(M + "submit/", moderation.SubmitApi.as_view(), name="api-casebank-submit"),
    path(M + "publish/", moderation.PublishApi.as_view(), name="api-casebank-publish"),
    path(M + "return/", moderation.ReturnApi.as_view(), name="api-casebank-return"),
    path(M + "reject/", moderation.RejectApi.as_view(), name="api-casebank-reject"),
    path(M + "rating/", engagement.RateApi.as_view(), name="api-casebank-rating"),
    path(M + "favourite/", engagement.FavouriteApi.as_view(), name="api-casebank-favourite"),
    path(M + "comments/", engagement.CommentListCreateApi.as_view(), name="api-casebank-comments"),
    path(M + "similar/", materials.SimilarApi.as_view(), name="api-casebank-similar"),
    path("moderation/", moderation.ModerationQueueApi.as_view(), name="api-casebank-moderation"),
    path("files/<int:attachment_id>/", materials.DownloadApi.as_view(), name="api-casebank-file"),
]
