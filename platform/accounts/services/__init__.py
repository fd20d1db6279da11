"""Writes about people, split by subdomain.

Each function is one transaction: it checks permission, validates, writes,
records an audit event and queues notifications on commit. Callers import
from ``accounts.services``; the submodules are an internal layout.
"""

from .common import audit
from .invitations import (
    InvitationInvalidError,
    invitation_accept,
    invitation_check,
    invitation_create,
    invitation_create_for_onboarding,
    invitation_revoke,
)
from .memberships import membership_change, membership_set_active, tutor_appoint
from .profile import user_update_profile
from .staff_import import (
    CSV_COLUMNS,
    MAX_CSV_ROWS,
    ROLE_WORDS,
    CsvImportError,
    ImportResult,
    RowError,
    staff_import_csv,
)

__all__ = [
    "CSV_COLUMNS",
    "MAX_CSV_ROWS",
    "ROLE_WORDS",
    "CsvImportError",
    "ImportResult",
    "InvitationInvalidError",
    "RowError",
    "audit",
    "invitation_accept",
    "invitation_check",
    "invitation_create",
    "invitation_create_for_onboarding",
    "invitation_revoke",
    "membership_change",
    "membership_set_active",
    "staff_import_csv",
    "tutor_appoint",
    "user_update_profile",
]
