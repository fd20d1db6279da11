"""The Celery app.  tenant-schemas-celery's app stamps every task with the
schema it was sent from and runs it in that schema (ARCHITECTURE section 4)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutornet.settings")

app = CeleryApp("tutornet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The project package is not an installed app, so name it for its own tasks.
app.autodiscover_tasks(["tutornet"])
# Sub-packages of apps with their own tasks module.
app.autodiscover_tasks(["consultations.help_hour"])
