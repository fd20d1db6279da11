from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistrictPictureConfig(AppConfig):
    """The district picture: the deficits heatmap, year over year, and what the support did.

    It reads the other apps (diagnostics, routes, tutorials, consultations, the Help
    Hour, the case bank) and writes only its own precomputed snapshots."""

    name = "tutorials.district"
    label = "district_picture"
    verbose_name = _("District picture")

    def ready(self) -> None:
        from tutornet import panels

        from .panels import district_panel

        panels.register(district_panel)
