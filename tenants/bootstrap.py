"""Creating the public tenant: the row for the operator's site on the base domain."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from tutornet.tenancy import forget_hosts

from .models import Domain, Organisation


@transaction.atomic
def public_tenant_ensure() -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={
            "kind": Organisation.Kind.OPERATOR,
            "name": "Тьюторская сеть",
            "short_name": "Тьюторская сеть",
        },
    )
    Domain.objects.get_or_create(
        domain=settings.BASE_DOMAIN, defaults={"tenant": organisation, "is_primary": True}
    )
    transaction.on_commit(forget_hosts)
    return organisation
