"""An organisation's site (a centre's or a school's), on its own subdomain."""

from django.urls import include, path

from accounts import views as account_views

from .urls_common import urlpatterns as common

urlpatterns = [
    path("", account_views.dashboard, name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("invite/<str:token>/", account_views.invitation_accept_view, name="invitation-accept"),
    path("notifications/", include("notifications.urls")),
    path("calendar/", include("consultations.feed_urls")),
    path("consultations/", include("consultations.urls")),
    path("casebank/", include("casebank.urls")),
    path("codifiers/", include("codifier.urls")),
    path("diagnostics/bank/", include("tutorials.diagnostics.urls")),
    path("diagnostics/", include("tutorials.diagnostics.campaigns.urls")),
    path("", include("tenants.urls")),
    path("api/", include("tutornet.api_urls")),
    *common,
]
