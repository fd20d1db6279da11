from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("notifications.api_urls")),
    path("consultations/", include("consultations.api_urls")),
    path("casebank/", include("casebank.api_urls")),
    path("diagnostics/bank/", include("tutorials.diagnostics.api_urls")),
    path("diagnostics/", include("tutorials.diagnostics.campaigns.api_urls")),
    path("tutorials/", include("tutorials.api_urls")),
    path("events/", include("tutorials.events.api_urls")),
    path("routes/", include("tutorials.routes.api_urls")),
    path("district/", include("tutorials.district.api_urls")),
]
