"""Keep ``selectors.district_membership_for``'s cache true to the database.

A membership saved or deleted raises its person's ``access_generation`` (in the same
transaction) and drops the person's entries in this process; a changed organisation
drops this process's whole cache (other processes: within ``TENANT_CACHE_SECONDS``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tenants.models import Organisation

from .models import Membership, User
from .selectors import forget_district_memberships


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="accounts.membership_changed")
def membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    User.objects.filter(pk=instance.user_id).update(access_generation=F("access_generation") + 1)
    forget_district_memberships(instance.user_id)


@receiver([post_save, post_delete], sender=Organisation, dispatch_uid="accounts.organisation_changed")
def organisation_changed(sender: Any, instance: Organisation, **kwargs: Any) -> None:
    forget_district_memberships()
