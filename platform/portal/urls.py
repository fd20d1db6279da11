"""Paths of the joined-up portal, mounted at the root of every organisation's site."""

from django.urls import path

from accounts import views as account_views

from . import views

app_name = "portal"

urlpatterns = [
    # The same page as accounts:hop, with ``?next=``: a sign-in ticket posted to that portal.
    path("go/<int:organisation_id>/", account_views.hop, name="go"),
    path("my/calendar/", views.calendar, name="calendar"),
    path("my/organisations/", views.me, name="me"),
    path("tutors/<int:user_id>/", views.tutor_profile, name="tutor"),
    path("tutors/<int:user_id>/photo/", views.tutor_photo, name="tutor_photo"),
    path("my/photo/", views.photo_edit, name="photo_edit"),
    path("portal/images/", views.editor_image_upload, name="editor_image_upload"),
    path("portal/images/<int:image_id>/", views.editor_image, name="editor_image"),
]
