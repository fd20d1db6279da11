"""Helpers shared by the event services."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Membership, User
from tenants.models import Organisation
from tutornet.errors import NotFoundError, PermissionDeniedError

from .. import permissions
from ..models import Event, Participant


def current_organisation() -> Organisation:
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation):
        return tenant
    return Organisation.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]


def local_datetime(day: date, at: time) -> datetime:
    """A wall-clock time of a day in the organisation's zone, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=current_organisation().zone)


def audit(*, actor: User | None, action: str, target: object = "", **data: Any) -> None:
    AuditEvent.objects.create(
        actor=actor, organisation=current_organisation(), action=action, target=str(target)[:200], data=data
    )


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("You do not have permission to do this."))


def acting(actor: User, membership: Membership | None) -> None:
    """The membership must be the actor's own."""
    require(membership is not None and membership.user_id == actor.pk and actor.is_active)


def event_or_404(event_id: int, *, lock: bool = False) -> Event:
    queryset = Event.objects.select_for_update() if lock else Event.objects.all()
    try:
        return queryset.get(pk=event_id)
    except Event.DoesNotExist:
        raise NotFoundError(_("There is no such event.")) from None


def visible_event(event_id: int, membership: Membership | None, *, lock: bool = False) -> Event:
    """The event, if this person may see it; else the same 404 as a missing one."""
    event = event_or_404(event_id, lock=lock)
    if not permissions.can_see(membership, event):
        raise NotFoundError(_("There is no such event."))
    return event


def managed_event(event_id: int, membership: Membership | None, *, lock: bool = False) -> Event:
    event = visible_event(event_id, membership, lock=lock)
    require(permissions.can_manage(membership, event))
    return event


def own_participant(event: Event, user: User) -> Participant:
    participant = Participant.objects.filter(
        event=event, user=user, status=Participant.Status.REGISTERED
    ).first()
    if participant is None:
        raise PermissionDeniedError(_("Register for the event first."))
    return participant
