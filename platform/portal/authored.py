"""What became of an author's material in the district bank: read from the centre's schema.

``casebank.selectors.district_copy_of`` gives the moderation state; this adds what a
reader did with the published copy (rating, downloads, comments) and a link to it, and
gives the states of a whole list of one's materials in one query (``«Мои материалы»``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django_tenants.utils import tenant_context

from . import district


@dataclass(frozen=True)
class DistrictFacts:
    material_id: int
    status: str
    status_display: str
    url: str
    rating_average: Any
    rating_count: int
    download_count: int
    comment_count: int


def _facts(materials: list[Any], user: Any) -> dict[int, DistrictFacts]:
    here = district.current()
    centre = district.centre_of(here)
    copies = {m.district_copy_id: m.pk for m in materials if getattr(m, "district_copy_id", None)}
    if centre is None or not copies or not getattr(user, "is_authenticated", False):
        return {}
    from casebank.models import Material

    with tenant_context(centre):
        rows = (
            Material.objects.filter(pk__in=copies, authors=user)
            .annotate(comment_total=Count("comments", distinct=True))
            .only("id", "status", "rating_average", "rating_count", "download_count")
        )
        return {
            copies[row.pk]: DistrictFacts(
                material_id=row.pk,
                status=row.status,
                status_display=str(row.get_status_display()),
                url=district.go_url(centre, f"/casebank/materials/{row.pk}/"),
                rating_average=row.rating_average,
                rating_count=row.rating_count,
                download_count=row.download_count,
                comment_count=row.comment_total,  # type: ignore[attr-defined]
            )
            for row in rows
        }


def district_facts(*, material: Any, user: Any) -> DistrictFacts | None:
    """For one of the author's school materials: its district copy, or None (one query in the centre)."""
    return _facts([material], user).get(material.pk)


def district_states(*, materials: list[Any], user: Any) -> dict[int, DistrictFacts]:
    """School material id -> its district copy's facts, for a list of the author's materials."""
    return _facts(list(materials), user)


# What a submission copies to the district (``casebank.services.moderation._CONTENT_FIELDS``).
SENT_FIELDS = ("title", "abstract", "body", "kind", "licence", "grades", "topics", "subject_ids")


def published_and_unchanged(*, material: Any, latest: Any, user: Any) -> bool:
    """Whether the district bank already publishes exactly what the school's latest version says:
    then there is nothing to send (``«Отправить в банк района»`` is disabled, with the reason)
    until an author edits the material.  One query in the centre; False when there is no copy."""
    copy_id = getattr(material, "district_copy_id", None)
    centre = district.centre_of(district.current())
    if latest is None or not copy_id or centre is None or not getattr(user, "is_authenticated", False):
        return False
    from casebank.models import MaterialVersion, Status

    with tenant_context(centre):
        sent = (
            MaterialVersion.objects.filter(material_id=copy_id, material__authors=user)
            .filter(material__status=Status.PUBLISHED)
            .order_by("-number")
            .values("status", *SENT_FIELDS)
            .first()
        )
    if sent is None or sent.pop("status") != Status.PUBLISHED:
        return False
    # The copy's pictures are the centre's copies of the school's (``pictures.editor_images_copy``).
    sent["body"] = _PICTURE.sub("/portal/images/-/", sent["body"] or "")
    mine = {name: getattr(latest, name) for name in SENT_FIELDS}
    mine["body"] = _PICTURE.sub("/portal/images/-/", mine["body"] or "")
    return all(sent[name] == mine[name] for name in SENT_FIELDS)


_PICTURE = re.compile(r"/portal/images/\d+/")
