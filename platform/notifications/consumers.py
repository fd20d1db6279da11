from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django_tenants.utils import tenant_context

from accounts.selectors import district_membership_for
from tutornet.channels_tenancy import CLOSE_ANONYMOUS, CLOSE_NOT_A_MEMBER, GroupConsumer

from .services import unread_count, user_group


@database_sync_to_async
def _member_unread(user: Any, tenant: Any) -> int | None:
    """The unread count if the user may use this organisation, else None.

    Members of the organisation may, and on a centre's host so may the staff of
    its schools (they book the centre's tutors and get notified about it).

    Runs in a worker thread (database_sync_to_async closes stale connections
    around it) and inside the organisation's schema, like an HTTP request.
    """
    with tenant_context(tenant):
        if district_membership_for(user, tenant) is None:
            return None
        return unread_count(user.pk)


class NotificationConsumer(GroupConsumer):
    """Pushes a signed-in member's new notifications and unread count to their open pages.

    Notifications are personal, so the group is the user's (``user.<id>``);
    the organisation only decides who may connect on its host.
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_ANONYMOUS)
            return
        unread = await _member_unread(user, self.scope["tenant"])
        if unread is None:  # not a member of this organisation: nothing of it
            await self.refuse(CLOSE_NOT_A_MEMBER)
            return
        await self.listen(user_group(user.pk))
        await self.send_json({"type": "unread", "unread": unread})

    async def notification_new(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "notification",
                "id": event["id"],
                "subject": event["subject"],
                "link": event["link"],
                "unread": event["unread"],
            }
        )
