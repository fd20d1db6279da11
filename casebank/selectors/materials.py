"""Reads of the case-material bank: one material, its versions, the person's lists, "more like this".

Every selector decides visibility through ``casebank.permissions`` for the
bank of the active schema.  A material the person may not see looks exactly
like a missing one (``MaterialNotFoundError``), so ids of other people's drafts
or of another school's materials reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Left
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants.models import Subject

from .. import permissions
from ..errors import MaterialNotFoundError
from ..models import Comment, Favourite, Material, MaterialVersion, Rating, Status


def _with_people(queryset: QuerySet[Material]) -> QuerySet[Material]:
    return queryset.select_related("origin_organisation", "current_version").prefetch_related(
        Prefetch("authors", queryset=User.objects.order_by("last_name", "first_name")), "subjects"
    )


# What a search result (a card, an API hit) shows of the text: the first characters only.
_SNIPPET_SOURCE = 400
_BRIEF_FIELDS = (
    "id", "title", "kind", "licence", "status", "grades", "topics", "abstract", "published_at",
    "updated_at", "rating_average", "rating_count", "download_count",
    "origin_organisation__id", "origin_organisation__name", "origin_organisation__short_name",
)  # fmt: skip


def _brief(queryset: QuerySet[Material]) -> QuerySet[Material]:
    """Materials for a list of results: authors, subjects and the school of origin, without the
    large columns (the text, the vectors, the current version's copy of the text)."""
    people = User.objects.only("id", "first_name", "last_name", "patronymic", "email").order_by(
        "last_name", "first_name"
    )
    return (
        queryset.select_related("origin_organisation")
        .only(*_BRIEF_FIELDS)
        .prefetch_related(
            Prefetch("authors", queryset=people),
            Prefetch("subjects", queryset=Subject.objects.only("id", "name")),
        )
        .annotate(text_start=Left("body_text", _SNIPPET_SOURCE))
    )


def material_get(*, material_id: int, user: Any) -> Material:
    """One material the person may see, with authors, subjects and the school of origin."""
    access = permissions.access_for(user)
    material = _with_people(Material.objects.filter(pk=material_id)).first()
    if material is None:
        raise MaterialNotFoundError(_("No such material."))
    material._author_ids = {a.pk for a in material.authors.all()}  # type: ignore[attr-defined]
    if not permissions.can_view_material(access, material):
        raise MaterialNotFoundError(_("No such material."))
    return material


def material_versions(*, material: Material, user: Any) -> list[MaterialVersion]:
    """The version history the person may see, newest first (readers: the published versions)."""
    access = permissions.access_for(user)
    if not permissions.can_view_material(access, material):
        raise MaterialNotFoundError(_("No such material."))
    versions = material.versions.select_related("created_by", "decided_by").order_by("-number")
    return [v for v in versions if permissions.can_view_version(access, material, v)]


def version_get(*, material: Material, number: int, user: Any) -> MaterialVersion:
    """One version (older ones stay readable) with its attachments."""
    access = permissions.access_for(user)
    version = (
        material.versions.select_related("created_by", "decided_by")
        .prefetch_related("attachments")
        .filter(number=number)
        .first()
    )
    if version is None or not permissions.can_view_version(access, material, version):
        raise MaterialNotFoundError(_("No such version."))
    return version


def pending_version(*, material: Material) -> MaterialVersion | None:
    return material.versions.filter(status=Status.SUBMITTED).first()


def materials_authored(*, user: Any) -> QuerySet[Material]:
    """The person's own materials in this bank, any status, most recently changed first."""
    access = permissions.access_for(user)
    if not access.can_read or access.user_id is None:
        return Material.objects.none()
    return _with_people(Material.objects.filter(authors=access.user_id)).order_by("-updated_at", "-pk")


def possible_co_authors(*, user: Any, material: Material | None = None) -> QuerySet[User]:
    """Who may write a material with ``user`` in this bank: the organisation's other active staff,
    and the material's present co-authors (credited even if they have left since)."""
    access = permissions.access_for(user)
    if not permissions.can_create(access) or access.user_id is None:
        return User.objects.none()
    staff = Q(is_active=True, memberships__organisation=access.organisation, memberships__is_active=True)
    if material is not None:
        staff |= Q(pk__in=material.authors.values("pk"))
    return (
        User.objects.filter(staff)
        .exclude(pk=access.user_id)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def moderation_queue(*, user: Any) -> QuerySet[MaterialVersion]:
    """Versions awaiting moderation, oldest submission first: for the centre's methodologists."""
    access = permissions.access_for(user)
    permissions.require(
        permissions.can_moderate(access), _("Only the centre's methodologists moderate the district bank.")
    )
    return (
        MaterialVersion.objects.filter(status=Status.SUBMITTED)
        .select_related("material__origin_organisation", "created_by")
        .order_by("submitted_at", "pk")
    )


def favourites_of(*, user: Any) -> QuerySet[Material]:
    access = permissions.access_for(user)
    if not access.can_read or access.user_id is None:
        return Material.objects.none()
    return _with_people(
        Material.objects.filter(status=Status.PUBLISHED, favourites__user_id=access.user_id)
    ).order_by("-favourites__created_at")


def is_favourite(*, material: Material, user: Any) -> bool:
    return Favourite.objects.filter(material=material, user_id=getattr(user, "pk", 0) or 0).exists()


def rating_of(*, material: Material, user: Any) -> int | None:
    return (
        Rating.objects.filter(material=material, user_id=getattr(user, "pk", 0) or 0)
        .values_list("score", flat=True)
        .first()
    )


def comments_of(*, material: Material, user: Any) -> QuerySet[Comment]:
    access = permissions.access_for(user)
    if not permissions.can_view_material(access, material):
        raise MaterialNotFoundError(_("No such material."))
    return material.comments.select_related("author")


def materials_similar(*, material: Material, user: Any, limit: int = 6) -> list[Material]:
    """ "More like this": published materials sharing a topic or a subject; both first, then by rating."""
    access = permissions.access_for(user)
    subject_ids = list(material.subjects.values_list("pk", flat=True))
    if not access.can_read or not (material.topics or subject_ids):
        return []
    through = Material.subjects.through
    shares_subject = Exists(through.objects.filter(material_id=OuterRef("pk"), subject_id__in=subject_ids))
    shares_topic = Q(topics__overlap=material.topics) if material.topics else Q(pk__in=[])
    queryset = (
        Material.objects.filter(status=Status.PUBLISHED)
        .exclude(pk=material.pk)
        .alias(same_subject=shares_subject)
        .filter(shares_topic | Q(same_subject=True))
        .annotate(both=Q(same_subject=True) & shares_topic)
        .order_by(F("both").desc(), "-rating_average", "-published_at", "-pk")
    )
    return list(_with_people(queryset)[:limit])


# --- across schemas -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictCopy:
    """Where a school material stands in the district bank (read from the centre's schema)."""

    material_id: int
    status: str
    latest_version: int
    latest_status: str
    moderator_comment: str
    published_version: int | None


def district_copy_of(*, material: Material, user: Any) -> DistrictCopy | None:
    """For a school material's authors: the state of its copy in the district bank, or None."""
    access = permissions.access_for(user)
    if not permissions.can_edit(access, material):
        return None
    # Re-read: the caller's instance may predate the submission.
    copy_id = Material.objects.filter(pk=material.pk).values_list("district_copy_id", flat=True).first()
    centre = access.organisation.centre
    if centre is None or not copy_id:
        return None
    with tenant_context(centre):
        copy = Material.objects.select_related("current_version").filter(pk=copy_id).first()
        if copy is None:
            return None
        latest = copy.versions.order_by("-number").first()
        assert latest is not None
        return DistrictCopy(
            material_id=copy.pk,
            status=copy.status,
            latest_version=latest.number,
            latest_status=latest.status,
            moderator_comment=latest.moderator_comment,
            published_version=copy.current_version.number if copy.current_version else None,
        )
