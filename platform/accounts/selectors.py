from __future__ import annotations

from typing import Any

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


def district_membership_for(user: Any, organisation: Organisation) -> Membership | None:
    """The membership that lets ``user`` use ``organisation``'s services.

    Its own members use an organisation's services.  A centre's services (municipal
    tutors' consultations, the district bank...) are also open to the staff of the
    centre's schools: then the school membership is returned, which also says which
    school the person comes from.  One query on every host: it runs on every
    request of a school's teacher on the centre's host (bench/booking_contention.py).
    """
    if organisation.kind != Organisation.Kind.CENTRE:
        return membership_for(user, organisation)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
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
    if not chosen:
        return None
    chosen[0].user = user  # the caller's own object: no join, no second copy of the person
    return chosen[0]


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
