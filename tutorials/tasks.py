"""Celery tasks of tutorials: thin wrappers that import their service inside.

Tasks sent inside an organisation's schema run in it (``tenant_schemas_celery``,
ARCHITECTURE 4); they take ids and plain values.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tutorials.certificates_render")
def certificates_render(certificate_ids: list[int]) -> int:
    """Render and store the PDFs of freshly issued certificates."""
    from .certificates import certificates_render as render

    return render(certificate_ids)
