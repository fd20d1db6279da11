from django.urls import path

from . import api

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("organisation/", api.OrganisationDetailApi.as_view(), name="api-organisation"),
    path("staff/", api.StaffListApi.as_view(), name="api-staff"),
    path("staff/invitations/", api.InvitationCreateApi.as_view(), name="api-staff-invitation-create"),
    path("staff/<int:membership_id>/", api.MembershipUpdateApi.as_view(), name="api-membership-update"),
]
