from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from .models import Organisation


def base_url_for_host(host: str) -> str:
    port = settings.PUBLIC_PORT
    default_port = {"http": "80", "https": "443"}[settings.URL_SCHEME]
    suffix = f":{port}" if port and port != default_port else ""
    return f"{settings.URL_SCHEME}://{host}{suffix}"


def primary_host(organisation: Organisation) -> str:
    """The organisation's primary host; cached per process (tutornet.tenancy)."""
    from tutornet.tenancy import primary_host_of

    domain = primary_host_of(organisation.pk)
    if domain is None:
        raise ValueError(f"{organisation} has no primary domain")
    return domain


def organisation_url(organisation: Organisation, path: str = "/") -> str:
    """Absolute link to ``path`` on the organisation's own site (for e-mails)."""
    return base_url_for_host(primary_host(organisation)) + path


def schools_of(centre: Organisation) -> QuerySet[Organisation]:
    return Organisation.objects.filter(centre=centre, kind=Organisation.Kind.SCHOOL).order_by("short_name")
