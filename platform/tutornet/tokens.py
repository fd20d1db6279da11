"""API tokens (django-rest-knox), read once per request.

Kept apart from ``tutornet.api``: DRF imports the authentication classes while
``rest_framework.views`` itself is loading, so this module must not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken

if TYPE_CHECKING:
    from accounts.models import User


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token authentication without its per-request sweep of the caller's other tokens.

    knox checks the presented token's own expiry (one SELECT of the token with its user)
    and then, on every request, reads *all* the user's tokens again to delete the expired
    ones: a second query on ``knox_authtoken`` for each API call. An expired token is
    refused whether or not its row is still there, so the sweep only tidies the table;
    it runs when a token is issued (``accounts.api``, ``tokens_expired_delete``) instead.
    """

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


def tokens_expired_delete(user: User) -> int:
    """Delete the user's expired tokens (what knox did on every request)."""
    deleted, _by_model = AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return deleted
