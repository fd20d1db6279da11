"""Entering the Help Hour's centre schema, and loading a session there.

Neutral ground for the services and the selectors (selectors never import services).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.models import Membership, User
from tenants.models import Organisation
from tutornet.errors import NotFoundError, PermissionDeniedError
from tutornet.stored_files import files_removed_on_rollback

from . import permissions
from .models import HelpHourSession


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("You do not have permission to do this."))


@contextmanager
def in_centre(*, actor: User, membership: Membership | None, atomic: bool = True) -> Iterator[Organisation]:
    """Enter the Help Hour's centre schema (and a transaction) for ``actor`` acting through ``membership``.

    The membership must be the actor's own; the centre is the membership's
    organisation (centre staff) or its school's centre (school staff).
    """
    require(membership is not None and membership.user_id == actor.pk and actor.is_active)
    centre = permissions.centre_of(membership)
    require(centre is not None and centre.is_active)
    assert centre is not None
    with schema_context(centre.schema_name):
        if atomic:
            with files_removed_on_rollback(), transaction.atomic():
                yield centre
        else:
            yield centre


def session_load(session_id: int) -> HelpHourSession:
    """The session with its tutors, requests (and their participants, schools), files and ratings.

    Call inside the centre's schema (the services and selectors do).
    """
    try:
        return (
            HelpHourSession.objects.select_related("subject", "outcome_recorded_by")
            .prefetch_related(
                "tutors",
                "requests__participants",
                "requests__organisation",
                "requests__requester",
                "requests__subject",
                "outcome_files",
                "ratings",
            )
            .get(pk=session_id)
        )
    except HelpHourSession.DoesNotExist:
        raise NotFoundError(_("There is no such session.")) from None
