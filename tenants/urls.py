"""School and centre administration pages, served on an organisation's host."""

from django.urls import path

from . import views

app_name = "tenants"

urlpatterns = [
    path("staff/", views.staff, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff-invite"),
    path("staff/import/", views.staff_import, name="staff-import"),
    path("staff/<int:membership_id>/", views.staff_member, name="staff-member"),
    path("staff/<int:membership_id>/active/", views.staff_set_active, name="staff-set-active"),
    path("staff/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("organisation/", views.organisation_profile, name="organisation-profile"),
    path("schools/", views.schools, name="schools"),
    path("tutors/", views.tutors, name="tutors"),
    path("directories/", views.directories, name="directories"),
    path("directories/subjects/add/", views.subject_add, name="subject-add"),
    path("directories/subjects/<int:subject_id>/", views.subject_edit, name="subject-edit"),
    path(
        "directories/subjects/<int:subject_id>/active/", views.subject_set_active, name="subject-set-active"
    ),
    path("directories/years/add/", views.academic_year_add, name="academic-year-add"),
    path(
        "directories/years/<int:year_id>/current/",
        views.academic_year_make_current,
        name="academic-year-current",
    ),
]
