from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from tenants.models import Organisation

from .models import Invitation, Membership, User


def membership_for(user: Any, organisation: Organisation) -> Membership | None:
    """The user's active membership in ``organisation``; None for anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return (
        Membership.objects.select_related("organisation", "user")
        .filter(user=user, organisation=organisation, is_active=True)
        .first()
    )


# The district memberships found lately: (person, their access generation, centre) ->
# (valid until, membership or None). Per process, like the host -> organisation cache.
_district: OrderedDict[tuple[int, int, int], tuple[float, Membership | None]] = OrderedDict()
_district_lock = threading.Lock()
DISTRICT_CACHE_SIZE = 10_000


def district_membership_for(user: Any, organisation: Organisation) -> Membership | None:
    """The membership that lets ``user`` use ``organisation``'s services.

    Its own members use an organisation's services.  A centre's services (municipal
    tutors' consultations, the district bank...) are also open to the staff of the
    centre's schools: then the school membership is returned, which also says which
    school the person comes from.

    For a centre the answer is cached per process: it is asked on every request of a
    school's teacher on the centre's host (consultations, the district bank), and the
    query cost more than a millisecond of the request (bench/booking_contention.py,
    bench/casebank_search.py).  The key holds the person's ``access_generation``, which
    every change of their memberships raises (``accounts.signals``), and each request
    reads the person anew: a closed access is refused from the next request on, in
    every process.  A change of an organisation (closed, moved to another centre)
    clears this process's cache at once and reaches the others within
    ``TENANT_CACHE_SECONDS``, as the host lookup does.
    """
    if organisation.kind != Organisation.Kind.CENTRE:
        return membership_for(user, organisation)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    key = (user.pk, user.access_generation, organisation.pk)
    now = time.monotonic()
    hit = _district.get(key)
    if hit is not None and hit[0] > now:
        found = hit[1]
    else:
        found = _district_membership_query(user, organisation)
        with _district_lock:
            _district[key] = (now + settings.TENANT_CACHE_SECONDS, found)
            while len(_district) > DISTRICT_CACHE_SIZE:
                _district.popitem(last=False)
    if found is None:
        return None
    # Each caller gets its own copy (Django copies the related-object cache too); the
    # organisations are shared, read-only, like the cached ``request.tenant``.
    membership = copy.copy(found)
    membership.user = user  # the caller's own object: no join, no second copy of the person
    return membership


def _district_membership_query(user: Any, organisation: Organisation) -> Membership | None:
    # A person has a handful of memberships at most: the own one is picked here
    # (an ORDER BY CASE costs more to plan than the rows); the schools keep the
    # database's order by short name.
    candidates = list(
        Membership.objects.select_related("organisation", "organisation__centre")
        .filter(user=user, is_active=True)
        .filter(
            Q(organisation=organisation) | Q(organisation__centre=organisation, organisation__is_active=True)
        )
        .order_by("organisation__short_name")
    )
    own = [m for m in candidates if m.organisation_id == organisation.pk]
    chosen = own or candidates
    return chosen[0] if chosen else None


def forget_district_memberships(user_id: int | None = None) -> None:
    """Drop this process's cached district memberships: of one person, or all."""
    with _district_lock:
        if user_id is None:
            _district.clear()
        else:
            for key in [k for k in _district if k[0] == user_id]:
                del _district[key]


def memberships_of(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("organisation")
        .filter(user=user, is_active=True, organisation__is_active=True)
        .order_by("organisation__kind", "organisation__short_name")
    )


def staff_of(organisation: Organisation, *, include_inactive: bool = True) -> QuerySet[Membership]:
    queryset = (
        Membership.objects.select_related("user")
        .prefetch_related("subjects")
        .filter(organisation=organisation)
        .order_by("-is_active", "user__last_name", "user__first_name", "user__email")
    )
    return queryset if include_inactive else queryset.filter(is_active=True)


def pending_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.pending().filter(organisation=organisation).order_by("-created_at")


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
