from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    """The question bank of the September diagnostics: items tagged with codifier topics,
    their versions, and imports (Moodle XML, XLSX).  Campaigns, attempts, the
    questionnaire, results and deficits are the sub-app ``tutorials.diagnostics.campaigns``."""

    name = "tutorials.diagnostics"
    label = "diagnostics"
    verbose_name = _("Diagnostics: question bank")
