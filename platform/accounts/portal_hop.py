"""Moving a signed-in person from one portal (subdomain) to another.

When the session cookie is shared across the base domain's subdomains this is
not needed, but browsers refuse a shared cookie on a single-label base domain
such as ``localhost``.  So links between portals go through a short-lived,
single-use signed ticket: the current portal signs (user, target host, nonce),
the target portal checks it and signs the person in.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.core.cache import cache
from django_tenants.utils import schema_context

from tenants.models import Organisation
from tenants.selectors import base_url_for_host, primary_host
from tutornet.errors import PermissionDeniedError, TutornetError
from tutornet.tenancy import hostname_of

from .models import Membership, User

SALT = "tutornet.portal-hop"
TICKET_SECONDS = 60


def hop_url(*, user: User, organisation: Organisation) -> str:
    """The URL that signs ``user`` into ``organisation``'s portal."""
    if not Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists():
        raise PermissionDeniedError("not a member")
    host = primary_host(organisation)
    ticket = signing.dumps({"u": user.pk, "h": host, "n": secrets.token_urlsafe(16)}, salt=SALT)
    return f"{base_url_for_host(host)}/accounts/hop/?t={ticket}"


def hop_accept(*, ticket: str, host: str) -> User:
    """The person a ticket signs in on ``host``; each ticket works once, for a minute."""
    try:
        data = signing.loads(ticket, salt=SALT, max_age=TICKET_SECONDS)
    except signing.BadSignature:
        raise TutornetError("invalid ticket") from None
    if data.get("h") != hostname_of(host):
        raise TutornetError("ticket for another portal")
    # Cache keys carry the schema; single use is checked in one shared namespace.
    with schema_context("public"):
        if not cache.add(f"portal-hop:{data['n']}", 1, TICKET_SECONDS * 2):
            raise TutornetError("ticket used already")
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None:
        raise TutornetError("no such person")
    return user
