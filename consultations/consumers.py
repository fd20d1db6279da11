"""Live free places of a tutor's (or an offering's) slots on an open page (issue 3, "Live").

``/ws/slots/?tutor=<id>`` or ``/ws/slots/?offering=<id>`` on an organisation's
host.  Only people who may use that organisation's consultations connect (the
same rule as the pages: ``accounts.selectors.district_membership_for``).  The
group carries the organisation's schema (``consultations.live``), so updates of
another organisation's slots never reach this socket.

Every slot belongs to one tutor, so a change is sent to the tutor's group only
(one ``group_send`` per booking). A page showing one offering joins the group of
the offering's tutor and is forwarded that offering's slots only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django_tenants.utils import tenant_context

from accounts.selectors import district_membership_for
from tutornet.channels_tenancy import CLOSE_ANONYMOUS, CLOSE_NOT_A_MEMBER, GroupConsumer

from .live import tutor_group
from .models import Offering

# The query names neither a tutor nor an offering by a number.
CLOSE_BAD_REQUEST = 4400


@database_sync_to_async
def _may_use(user: Any, tenant: Any) -> bool:
    """Whether the user may use this organisation's consultations (like an HTTP request)."""
    with tenant_context(tenant):
        return district_membership_for(user, tenant) is not None


@database_sync_to_async
def _tutor_of(offering_id: int, tenant: Any) -> int | None:
    with tenant_context(tenant):
        return Offering.objects.filter(pk=offering_id).values_list("tutor_id", flat=True).first()


def subscription(scope: dict[str, Any]) -> tuple[str, int] | None:
    """("tutor" | "offering", id) from the query string; None when missing or not a number."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    for kind in ("tutor", "offering"):
        values = query.get(kind)
        if values:
            value = values[0]
            return (kind, int(value)) if value.isdigit() else None
    return None


class SlotConsumer(GroupConsumer):
    """Forwards a slot's new free places to pages that show the tutor's or offering's slots."""

    # On a page of one offering: only its slots are forwarded.
    offering_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_ANONYMOUS)
            return
        tenant = self.scope["tenant"]
        if not await _may_use(user, tenant):
            await self.refuse(CLOSE_NOT_A_MEMBER)
            return
        wanted = subscription(self.scope)
        if wanted is None:
            await self.refuse(CLOSE_BAD_REQUEST)
            return
        kind, object_id = wanted
        tutor_id = object_id
        if kind == "offering":
            offering_tutor = await _tutor_of(object_id, tenant)
            if offering_tutor is None:
                await self.refuse(CLOSE_BAD_REQUEST)
                return
            tutor_id, self.offering_id = offering_tutor, object_id
        await self.listen(tutor_group(tenant.schema_name, tutor_id))

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The page only listens."""

    async def slot_update(self, event: dict[str, Any]) -> None:
        if self.offering_id is None or event["offering"] == self.offering_id:
            await self.send_json(_slot_message(event))

    async def slot_batch(self, event: dict[str, Any]) -> None:
        for slot in event["slots"]:
            await self.slot_update(slot)


def _slot_message(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "slot",
        "id": state["id"],
        "free": state["free"],
        "capacity": state["capacity"],
        "booked": state["booked"],
        "cancelled": state.get("cancelled", False),
        "offering": state["offering"],
        "tutor": state["tutor"],
    }
