"""Thin Celery wrappers (ARCHITECTURE 4): ids in, the service does the work.

Sent from the centre's schema (``services.export_start`` queues it on commit
inside ``schema_context``), so tenant-schemas-celery runs it there.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="consultations.help_hour.build_export", acks_late=True)
def build_export(export_id: int) -> int:
    """Build the Help Hour XLSX export ``export_id``; returns its final progress."""
    from .services import export_build

    return export_build(export_id=export_id).progress
