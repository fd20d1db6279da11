"""An organisation's site (a centre's or a school's), on its own subdomain."""

from django.urls import include, path
from portal import views as portal_views

from accounts import views as account_views

from .urls_common import urlpatterns as common

urlpatterns = [
    path("", account_views.dashboard, name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("invite/<str:token>/", account_views.invitation_accept_view, name="invitation-accept"),
    path("notifications/", include("notifications.urls")),
    path("calendar/", include("consultations.feed_urls")),
    # A school without tutors of its own leads to the centre's (portal.views.consultations_entry).
    path("consultations/", portal_views.consultations_entry),
    path("consultations/", include("consultations.urls")),
    path("casebank/", include("casebank.urls")),
    path("tutorials/", include("tutorials.urls")),
    path("certificates/", include("tutorials.certificate_urls")),
    path("codifiers/", include("codifier.urls")),
    path("diagnostics/bank/", include("tutorials.diagnostics.urls")),
    path("diagnostics/", include("tutorials.diagnostics.campaigns.urls")),
    path("events/", include("tutorials.events.urls")),
    path("routes/", include("tutorials.routes.urls")),
    path("district/", include("tutorials.district.urls")),
    path("", include("tenants.urls")),
    path("api/", include("tutornet.api_urls")),
    path("", include("portal.urls")),
    *common,
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
