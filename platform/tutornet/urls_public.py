"""The operator's site on the base domain."""

from django.urls import include, path

from accounts import views as account_views

from .urls_common import urlpatterns as common

urlpatterns = [
    path("", account_views.public_home, name="public-home"),
    path("accounts/", include("accounts.urls")),
    path("", include(("portal.urls_public", "portal"))),
    *common,
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
