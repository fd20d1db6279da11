"""The calendar feed, under /calendar/ on an organisation's site."""

from django.urls import path

from . import feeds

app_name = "calendar-feed"

urlpatterns = [
    path("", feeds.feed_page, name="page"),
    path("feed/<str:token>.ics", feeds.feed, name="feed"),
]
