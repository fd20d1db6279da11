from django.apps import AppConfig


class PortalConfig(AppConfig):
    """One platform across the portals: navigation, role dashboards, the calendar,
    tutor profiles, cross-portal links and the district reads a school portal shows."""

    name = "portal"

    def ready(self) -> None:
        from . import calendar_sources, dashboard_panels

        dashboard_panels.register_all()
        calendar_sources.register_all()
