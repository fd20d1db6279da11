from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Multi-day events with parallel tracks (the "Open University" shape): days, blocks,
    tracks with places, registration, allocation by preferences, daily reflection, points,
    the route defence, attendance and event certificates."""

    name = "tutorials.events"
    label = "events"
    verbose_name = _("Multi-day events")

    def ready(self) -> None:
        from tutornet import panels

        from . import panel

        panels.register(panel.events_panel)
