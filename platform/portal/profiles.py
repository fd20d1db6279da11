"""Reads for the people's pages: a tutor's profile (before booking) and one's own organisations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count

from accounts.models import Membership, Role, User
from tenants.models import Organisation


@dataclass
class TutorProfile:
    user: User
    organisation: Organisation
    subjects: list[Any]
    offerings: list[Any]
    topics: list[str]
    rating_average: float | None
    rating_count: int
    recent_ratings: list[Any] = field(default_factory=list)
    photo: Any = None


def tutor_profile(*, organisation: Organisation, user_id: int) -> TutorProfile | None:
    """An active tutor of ``organisation`` (runs in its schema): 5 queries (the photo joins the first)."""
    from consultations.models import Offering, Rating

    membership = (
        Membership.objects.select_related("user", "user__profile_photo", "organisation")
        .filter(
            organisation=organisation, user_id=user_id, role=Role.TUTOR, is_active=True, user__is_active=True
        )
        .first()
    )
    if membership is None:
        return None
    subjects = list(membership.subjects.all())
    offerings = list(
        Offering.objects.filter(tutor_id=user_id, is_active=True)
        .select_related("subject")
        .order_by("subject__name", "pk")
    )
    summary = Rating.objects.filter(booking__slot__tutor_id=user_id).aggregate(
        average=Avg("score"), count=Count("pk")
    )
    recent = list(
        Rating.objects.filter(booking__slot__tutor_id=user_id)
        .exclude(comment="")
        .order_by("-created_at")
        .values("score", "comment", "created_at")[:5]
    )
    topics = sorted({o.topic for o in offerings if o.topic})
    return TutorProfile(
        user=membership.user,
        organisation=organisation,
        subjects=subjects,
        offerings=offerings,
        topics=topics,
        rating_average=summary["average"],
        rating_count=summary["count"],
        recent_ratings=recent,
        photo=getattr(membership.user, "profile_photo", None),
    )


def memberships_with_subjects(user: Any) -> list[Membership]:
    return list(
        Membership.objects.select_related("organisation")
        .prefetch_related("subjects")
        .filter(user=user, is_active=True, organisation__is_active=True)
        .order_by("organisation__kind", "organisation__short_name")
    )
