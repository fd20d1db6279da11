from django.urls import path

from . import api

urlpatterns = [
    path("offerings/", api.OfferingListCreateApi.as_view(), name="api-consultations-offerings"),
    path("offerings/<int:offering_id>/", api.OfferingDetailApi.as_view(), name="api-consultations-offering"),
    path("slots/", api.SlotListApi.as_view(), name="api-consultations-slots"),
    path("slots/<int:slot_id>/", api.SlotDetailApi.as_view(), name="api-consultations-slot"),
    path("bookings/", api.BookingListCreateApi.as_view(), name="api-consultations-bookings"),
    path("bookings/<int:booking_id>/", api.BookingDetailApi.as_view(), name="api-consultations-booking"),
    path(
        "bookings/<int:booking_id>/cancel/",
        api.BookingCancelApi.as_view(),
        name="api-consultations-booking-cancel",
    ),
    path(
        "bookings/<int:booking_id>/reschedule/",
        api.BookingRescheduleApi.as_view(),
        name="api-consultations-booking-reschedule",
    ),
    path(
        "bookings/<int:booking_id>/mark/", api.BookingMarkApi.as_view(), name="api-consultations-booking-mark"
    ),
    path(
        "bookings/<int:booking_id>/rate/", api.BookingRateApi.as_view(), name="api-consultations-booking-rate"
    ),
    path("waitlist/", api.WaitlistListJoinApi.as_view(), name="api-consultations-waitlist"),
    path(
        "waitlist/<int:entry_id>/confirm/",
        api.WaitlistConfirmApi.as_view(),
        name="api-consultations-waitlist-confirm",
    ),
    path(
        "waitlist/<int:entry_id>/decline/",
        api.WaitlistDeclineApi.as_view(),
        name="api-consultations-waitlist-decline",
    ),
]
