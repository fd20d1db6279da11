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


# Beat sweeps over every organisation, with the consultations' fan-out (chunks of
# organisation ids, each entered with ``tenant_context``; one failing does not stop the others).


@shared_task(name="tutorials.reminders_sweep")
def reminders_sweep() -> int:
    from consultations.tasks import fan_out

    return fan_out(reminders_send_for)


@shared_task(name="tutorials.reminders_send_for")
def reminders_send_for(organisation_ids: list[int]) -> int:
    from consultations.tasks import in_each

    from .services import reminders_send

    return in_each(organisation_ids, lambda: reminders_send(), "Tutorial reminders")


@shared_task(name="tutorials.waitlist_expiry_sweep")
def waitlist_expiry_sweep() -> int:
    from consultations.tasks import fan_out

    return fan_out(waitlist_expire_for)


@shared_task(name="tutorials.waitlist_expire_for")
def waitlist_expire_for(organisation_ids: list[int]) -> int:
    from consultations.tasks import in_each

    from .services import waitlist_expire_offers

    return in_each(organisation_ids, lambda: waitlist_expire_offers(), "Tutorial waitlist expiry")
