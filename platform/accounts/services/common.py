"""What every accounts service shares: the audit trail and the argument checks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from tenants.models import Organisation
from tutornet.errors import PermissionDeniedError, TutornetError

from .. import permissions
from ..models import AuditEvent, Role, User, email_key


def audit(
    *, actor: User | None, organisation: Organisation | None, action: str, target: object = "", **data: object
) -> None:
    AuditEvent.objects.create(
        actor=actor, organisation=organisation, action=action, target=str(target)[:200], data=data
    )


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("You do not have permission to do this."))


def check_role(organisation: Organisation, role: str) -> Role:
    grantable = permissions.grantable_roles(organisation)
    if role not in grantable:
        raise TutornetError(
            _("The role “%(role)s” does not exist in this organisation. Possible roles: %(roles)s.")
            % {"role": role, "roles": ", ".join(str(r.label) for r in grantable)},
            field="role",
        )
    return Role(role)


def clean_email(email: str) -> str:
    email = email_key(email)
    try:
        validate_email(email)
    except ValidationError:
        raise TutornetError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": email}, field="email"
        ) from None
    return email
