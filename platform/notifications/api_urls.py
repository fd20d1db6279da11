from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/read/", api.NotificationMarkReadApi.as_view(), name="api-notifications-read"),
    path("notifications/unread-count/", api.UnreadCountApi.as_view(), name="api-notifications-unread-count"),
]
