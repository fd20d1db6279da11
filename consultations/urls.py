"""The consultation pages, under /consultations/ on an organisation's site."""

from django.urls import include, path

from . import views

app_name = "consultations"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("slots/<int:slot_id>/book/", views.book, name="book"),
    path("slots/<int:slot_id>/join/", views.join, name="join"),
    path("my/", views.my, name="my"),
    path("bookings/<int:booking_id>/ics/", views.booking_ics, name="ics"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="cancel"),
    path("bookings/<int:booking_id>/reschedule/", views.booking_reschedule, name="reschedule"),
    path("bookings/<int:booking_id>/rate/", views.booking_rate, name="rate"),
    path("bookings/<int:booking_id>/mark/", views.booking_mark, name="mark"),
    path(
        "waitlist/<int:entry_id>/confirm/",
        views.waitlist_answer,
        {"answer": "confirm"},
        name="waitlist-confirm",
    ),
    path(
        "waitlist/<int:entry_id>/decline/",
        views.waitlist_answer,
        {"answer": "decline"},
        name="waitlist-decline",
    ),
    path("calendar/", views.calendar, name="calendar"),
    path("offerings/", views.offerings, name="offerings"),
    path("offerings/<int:offering_id>/", views.offering_edit, name="offering"),
    path(
        "offerings/<int:offering_id>/exceptions/<int:exception_id>/delete/",
        views.exception_delete,
        name="exception-delete",
    ),
    path("ratings/", views.ratings, name="ratings"),
    path("help-hour/", include("consultations.help_hour.urls")),
]
