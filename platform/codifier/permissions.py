"""Who may do what with the codifier.  The codifier is one directory for the whole
platform, kept by the centre's administrator (as subjects and academic years are);
everyone else reads its topics through the features that use them."""

from __future__ import annotations

from accounts import permissions as account_permissions
from accounts.models import Membership


def can_manage_codifiers(membership: Membership | None) -> bool:
    return account_permissions.can_manage_directories(membership)
