from __future__ import annotations

from django_tenants.middleware.main import TenantMainMiddleware

from tenants.models import Domain, Organisation

from .tenancy import organisation_for_host


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with a cached, activity-aware host lookup."""

    def get_tenant(self, domain_model: type[Domain], hostname: str) -> Organisation:
        organisation = organisation_for_host(hostname)
        if organisation is None:
            raise domain_model.DoesNotExist(hostname)
        return organisation
