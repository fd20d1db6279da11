from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutesConfig(AppConfig):
    """Teachers' individual professional routes (ИОМ): stages, a plan built from the
    diagnosed deficits, an audited lifecycle, evidence and the printable document."""

    name = "tutorials.routes"
    label = "routes"
    verbose_name = _("Professional routes")

    def ready(self) -> None:
        from tutornet import panels

        from . import panel

        panels.register(panel.routes_panel)
