"""Per-user e-mail preferences, per kind, honoured by the live worker."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from notifications.models import Delivery, Kind, Preference
from notifications.services import notification_create, preferences_update
from tests.conftest import District, LiveStack
from tests.factories import UserFactory

from .helpers import delivered

pytestmark = pytest.mark.live


def test_email_switched_off_for_a_kind_is_not_sent_but_the_inbox_still_gets_it(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = UserFactory()
    preferences_update(user=user, email_enabled={Kind.MEMBERSHIP_CHANGED: False})
    with tenant_context(district.school_a):
        quiet = notification_create(
            kind=Kind.MEMBERSHIP_CHANGED, recipient=user, subject="Role changed", body="x"
        )
        loud = notification_create(kind=Kind.WELCOME, recipient=user, subject="Welcome", body="y")
    quiet_done = delivered(quiet.pk)
    delivered(loud.pk)
    # The e-mail of the other kind arrived, in the same run of the worker; the switched-off one did not.
    live_stack.mailbox.wait_for(lambda m: m["Subject"] == "Welcome" and user.email in m["To"])
    assert [m["Subject"] for m in live_stack.mailbox.to(user.email)] == ["Welcome"]
    assert quiet_done.email_sent_at is None
    assert list(Delivery.objects.filter(notification=quiet).values_list("channel", flat=True)) == ["in_app"]


def test_invitations_and_password_resets_are_emailed_even_when_switched_off(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    user = UserFactory()
    # The preference service refuses to switch essential kinds off ...
    preferences_update(user=user, email_enabled={Kind.INVITATION: False, Kind.PASSWORD_RESET: False})
    assert not Preference.objects.filter(user=user).exists()
    # ... and delivery ignores such a row should one exist.
    for kind in (Kind.INVITATION, Kind.PASSWORD_RESET):
        Preference.objects.create(user=user, kind=kind, email_enabled=False)
    with tenant_context(district.school_a):
        invitation = notification_create(
            kind=Kind.INVITATION, recipient=user, subject="Invitation", body="link"
        )
        reset = notification_create(
            kind=Kind.PASSWORD_RESET, recipient=user, subject="Password reset", body="link", in_app=False
        )
    for notification in (invitation, reset):
        assert delivered(notification.pk).email_sent_at is not None
    live_stack.mailbox.wait_for(lambda m: m["Subject"] == "Password reset" and user.email in m["To"])
    assert sorted(m["Subject"] for m in live_stack.mailbox.to(user.email)) == ["Invitation", "Password reset"]
    assert list(Delivery.objects.filter(notification=reset).values_list("channel", flat=True)) == ["email"]


def test_an_invitation_to_an_address_without_an_account_is_emailed(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    address = UserFactory.build().email
    with tenant_context(district.school_a):
        invitation = notification_create(
            kind=Kind.INVITATION, email=address, subject="Join school 1", body="link"
        )
    done = delivered(invitation.pk)
    assert done.in_app is False
    assert list(Delivery.objects.filter(notification=invitation).values_list("channel", flat=True)) == [
        "email"
    ]
    assert len(live_stack.mailbox.to(address)) == 1
