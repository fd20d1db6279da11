"""Moving a signed-in person from one portal (subdomain) to another.

When the session cookie is shared across the base domain's subdomains this is
not needed, but browsers refuse a shared cookie on a single-label base domain
such as ``localhost``.  So links between portals go through a short-lived,
single-use signed ticket: the current portal signs (user, target host, nonce),
the target portal checks it and signs the person in.

Against login CSRF (someone sends a victim a link with *their own* ticket, and the
victim ends up working in the sender's account), a ticket is accepted only by POST
from a page of the portal that issued it: ``hop_form`` renders that page on the
issuing portal (its form posts the ticket to the target), and ``hop_accept`` checks
that the request's ``Origin`` is the issuing portal named inside the signed ticket.
A page elsewhere cannot send that ``Origin``; a link (GET) signs no one in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from redis.exceptions import RedisError

from tenants.models import Organisation
from tenants.selectors import base_url_for_host, primary_host
from tutornet.errors import PermissionDeniedError, TutornetError
from tutornet.tenancy import hostname_of

from .models import User
from .selectors import district_membership_for

SALT = "tutornet.portal-hop"
TICKET_SECONDS = 60


class HopNotPassedError(TutornetError):
    """The ticket store (Redis) is unreachable: the sign-in cannot be handed over."""

    status = 503
    code = "hop_unavailable"


@dataclass(frozen=True)
class Hop:
    action: str  # the target portal's accepting URL (POST)
    ticket: str
    organisation: Organisation


def safe_path(path: str) -> str:
    """A local absolute path, or ``/``: never another host (``//evil``) or a scheme."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def hop_form(*, user: User, organisation: Organisation, from_host: str, path: str = "/") -> Hop:
    """What the issuing portal's page posts to sign ``user`` into ``organisation``'s portal,
    landing on ``path`` there.  Its members may hop, and for a centre also the staff of its
    schools (who use the district's services: ``district_membership_for``)."""
    if district_membership_for(user, organisation) is None:
        raise PermissionDeniedError("no access to this organisation")
    host = primary_host(organisation)
    data = {
        "u": user.pk,
        "h": host,
        "f": hostname_of(from_host),
        "n": secrets.token_urlsafe(16),
        "p": safe_path(path),
    }
    ticket = signing.dumps(data, salt=SALT)
    return Hop(action=f"{base_url_for_host(host)}/accounts/hop/", ticket=ticket, organisation=organisation)


def landing_path(ticket: str) -> str:
    """The page on the target portal that a ticket (already accepted by ``hop_accept``) opens."""
    data = signing.loads(ticket, salt=SALT)
    return safe_path(str(data.get("p", "/")))


def hop_accept(*, ticket: str, host: str, origin: str | None) -> User:
    """The person a ticket signs in on ``host``: posted from the issuing portal (``origin``),
    each ticket works once, for a minute."""
    try:
        data = signing.loads(ticket, salt=SALT, max_age=TICKET_SECONDS)
    except signing.BadSignature:
        raise TutornetError("invalid ticket") from None
    if data.get("h") != hostname_of(host):
        raise TutornetError("ticket for another portal")
    if not origin or urlsplit(origin).hostname != data.get("f"):
        raise TutornetError("ticket not posted by the portal that issued it")
    # Cache keys carry the schema; single use is checked in one shared namespace.
    try:
        with schema_context("public"):
            fresh = cache.add(f"portal-hop:{data['n']}", 1, TICKET_SECONDS * 2)
    except (RedisError, OSError):
        raise HopNotPassedError(
            _("Your sign-in could not be passed on to the other portal just now. Please sign in there.")
        ) from None
    if not fresh:
        raise TutornetError("ticket used already")
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None:
        raise TutornetError("no such person")
    return user
