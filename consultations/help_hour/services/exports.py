"""The XLSX export of the centre's figures: asked for here, built by a Celery task."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.models import Membership, User
from tenants.models import Organisation
from tutornet.celery import app as celery_app
from tutornet.errors import TutornetError
from tutornet.stored_files import file_written, files_removed_on_rollback

from .. import permissions
from ..centre import in_centre
from ..centre import require as _require
from ..models import (
    HelpHourExport,
)
from ._common import (
    BUILD_EXPORT_TASK,
    EXPORT_FAILED,
    logger,
)

# --- the export ---------------------------------------------------------------------------------


def export_start(
    *, actor: User, membership: Membership, date_from: date | None = None, date_to: date | None = None
) -> HelpHourExport:
    """Ask for the XLSX of the centre's figures; a Celery task builds it after commit, in the centre's schema.

    Poll ``selectors.export_status`` for ``state``/``progress``; download with
    ``selectors.export_open`` when ``state == "done"``.
    """
    _require(permissions.can_see_centre_figures(membership))
    if date_from and date_to and date_to < date_from:
        raise TutornetError(_("The period must end after it starts."), field="date_to")
    with in_centre(actor=actor, membership=membership) as centre:
        export = HelpHourExport.objects.create(requested_by=actor, date_from=date_from, date_to=date_to)
        schema = centre.schema_name
        transaction.on_commit(lambda: _queue_export(export.pk, schema))
        return export


def _queue_export(export_id: int, schema: str) -> None:
    try:
        # By the task's name: the tasks call the services, never the other way round.
        # The task runs in the schema it is sent from (tenant-schemas-celery).
        with schema_context(schema):
            celery_app.send_task(BUILD_EXPORT_TASK, args=[export_id])
    except Exception:
        logger.warning("Could not queue Help Hour export %s", export_id, exc_info=True)
        with schema_context(schema):
            HelpHourExport.objects.filter(pk=export_id).update(
                state=HelpHourExport.State.FAILED, error=EXPORT_FAILED
            )


def _progress(export_id: int, progress: int) -> None:
    # Its own statement, outside any transaction: pollers see it at once.
    HelpHourExport.objects.filter(pk=export_id).update(progress=progress)


def export_build(*, export_id: int) -> HelpHourExport:
    """Build the XLSX (runs in the centre's schema: the task's).  Idempotent: a finished export is kept.

    Progress goes 5 → … → 100 as sheets are written; a failure is recorded on the row.
    """
    from .. import stats

    organisation = Organisation.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    claimed = HelpHourExport.objects.filter(
        pk=export_id, state__in=[HelpHourExport.State.PENDING, HelpHourExport.State.FAILED]
    ).update(state=HelpHourExport.State.RUNNING, progress=5, error="")
    export = HelpHourExport.objects.select_related("requested_by").get(pk=export_id)
    if not claimed:
        return export
    try:
        content = stats.workbook(
            centre=organisation,
            date_from=export.date_from,
            date_to=export.date_to,
            language=export.requested_by.language,
            on_progress=lambda p: _progress(export_id, p),
        )
        name = f"help-hour-{timezone.localdate(timezone.now(), organisation.zone):%Y-%m-%d}.xlsx"
        with files_removed_on_rollback(), transaction.atomic():
            export = HelpHourExport.objects.select_for_update().get(pk=export_id)
            export.file.save(name, ContentFile(content), save=False)
            file_written(export.file)
            export.state = HelpHourExport.State.DONE
            export.progress = 100
            export.finished_at = timezone.now()
            export.save()
    except Exception:
        # The details go to the log only; people see a plain sentence (no exception's class or text).
        logger.exception("Help Hour export %s failed", export_id)
        HelpHourExport.objects.filter(pk=export_id).update(
            state=HelpHourExport.State.FAILED, error=EXPORT_FAILED
        )
        raise
    return export
