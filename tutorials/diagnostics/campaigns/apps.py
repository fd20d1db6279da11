from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """Diagnostic campaigns: the test form, attempts, scoring, the difficulties
    questionnaire, per-topic results, deficits and the item analysis."""

    name = "tutorials.diagnostics.campaigns"
    label = "campaigns"
    verbose_name = _("Diagnostics: campaigns")

    def ready(self) -> None:
        from tutornet import panels

        from .panels import diagnostics_panel

        panels.register(diagnostics_panel)
        # ... and the windows of the teacher's campaigns in the in-app calendar (/my/calendar/).
        from portal import calendar_sources

        from .calendar_source import my_campaign_windows

        calendar_sources.register(my_campaign_windows)
