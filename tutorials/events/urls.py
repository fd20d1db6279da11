"""Multi-day events, under /events/ on an organisation's site (namespace ``events``)."""

from django.urls import path

from . import views, views_organiser

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views_organiser.event_new, name="new"),
    path("<int:event_id>/", views.event_page, name="event"),
    path("<int:event_id>/register/", views.register, name="register"),
    path("<int:event_id>/cancel/", views.cancel, name="cancel"),
    path("<int:event_id>/rate/", views.rate, name="rate"),
    path("<int:event_id>/tracks/<int:track_id>/take/", views.take, name="take"),
    path("<int:event_id>/tracks/<int:track_id>/check-in/", views.check_in, name="check-in"),
    path("<int:event_id>/days/<int:day_id>/reflection/", views.reflection, name="reflection"),
    path("<int:event_id>/board/", views.board, name="board"),
    path("<int:event_id>/certificate/", views.certificate, name="certificate"),
    # organisers
    path("<int:event_id>/manage/", views_organiser.manage, name="manage"),
    path("<int:event_id>/publish/", views_organiser.publish, name="publish"),
    path("<int:event_id>/allocation/", views_organiser.allocation, name="allocation"),
    path("<int:event_id>/tracks/<int:track_id>/attendance/", views_organiser.attendance, name="attendance"),
    path("<int:event_id>/reflections/", views_organiser.reflections, name="reflections"),
    path("<int:event_id>/participants/", views_organiser.participants, name="participants"),
    path("<int:event_id>/certificates/", views_organiser.certificates, name="certificates"),
]
