"""One ``diagnostics`` URL namespace for the question bank (under bank/) and the
campaigns: both sub-apps name their pages ``diagnostics:<name>``."""

from django.urls import include, path

from tutorials.diagnostics import urls as bank
from tutorials.diagnostics.campaigns import urls as campaigns

app_name = "diagnostics"

urlpatterns = [
    path("bank/", include(bank.urlpatterns)),
    *campaigns.urlpatterns,
]
