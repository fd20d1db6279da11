from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodifierConfig(AppConfig):
    name = "codifier"
    verbose_name = _("Topic codifier")
