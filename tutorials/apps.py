from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TutorialsConfig(AppConfig):
    """Tutorials (seminars, trainings, master classes, supervision, workshops, consultations on a
    theme): registration, waiting list, attendance with a rotating code, feedback, certificates."""

    name = "tutorials"
    verbose_name = _("Tutorials")

    def ready(self) -> None:
        from tutornet import panels

        from .panels import tutorials_panel

        panels.register(tutorials_panel)

        # ... and in the in-app calendar (/my/calendar/).
        from portal import calendar_sources

        from .calendar_source import my_tutorials

        calendar_sources.register(my_tutorials)

        # The person's tutorials in the consultations' personal calendar feed (/calendar/).
        from consultations import feeds

        from .ics import feed_events

        if feed_events not in feeds.FEED_SOURCES:
            feeds.FEED_SOURCES.append(feed_events)
