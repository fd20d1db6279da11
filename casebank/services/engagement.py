"""Readers' side of the bank: ratings, favourites, comments, downloads.

Invariants:
* one rating per person and material (unique constraint), changeable; the
  material's aggregate is recomputed from the ratings under the material's row
  lock, so concurrent ratings never lose an update;
* a file is handed out only to someone who may see its version (a school-only
  material's files never to another school's staff) and each download counts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from notifications.models import Kind as NotificationKind

from .. import permissions
from ..errors import MaterialInvalidError, MaterialNotFoundError
from ..models import Attachment, Comment, Favourite, Material, Rating
from . import common
from .materials import locked

MAX_COMMENT_LENGTH = 5000


def _readable(material: Material, actor: User) -> permissions.BankAccess:
    access = permissions.access_for(actor)
    if not permissions.can_view_material(access, material):
        raise MaterialNotFoundError(_("No such material."))
    permissions.require(
        permissions.can_engage(access, material), _("Only a published material can be rated or commented on.")
    )
    return access


@transaction.atomic
def material_rate(*, material: Material, score: int, actor: User) -> Rating:
    """Rate a published material 1–5; rating again changes one's rating.  Authors do not rate their own."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise MaterialInvalidError(_("A rating is a whole number from 1 to 5."), field="score")
    material = locked(material)
    access = _readable(material, actor)
    permissions.require(
        not permissions.is_author(access, material), _("Authors do not rate their own material.")
    )
    rating, _created = Rating.objects.update_or_create(
        material=material, user=actor, defaults={"score": score}
    )
    totals = Rating.objects.filter(material=material).aggregate(count=Count("pk"), total=Sum("score"))
    material.rating_count = totals["count"]
    material.rating_sum = totals["total"] or 0
    material.rating_average = (
        (Decimal(material.rating_sum) / material.rating_count).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if material.rating_count
        else Decimal(0)
    )
    material.save(update_fields=["rating_count", "rating_sum", "rating_average"])
    return rating


@transaction.atomic
def favourite_set(*, material: Material, favourite: bool, actor: User) -> bool:
    """Add a published material to one's favourites (or remove it); returns whether it is one now."""
    _readable(material, actor)
    if favourite:
        Favourite.objects.get_or_create(material=material, user=actor)
    else:
        Favourite.objects.filter(material=material, user=actor).delete()
    return favourite


@transaction.atomic
def comment_create(*, material: Material, text: str, actor: User) -> Comment:
    """Comment on a published material; its other authors are notified."""
    access = _readable(material, actor)
    text = (text or "").strip()
    if not text:
        raise MaterialInvalidError(_("Write the comment first."), field="text")
    if len(text) > MAX_COMMENT_LENGTH:
        raise MaterialInvalidError(
            _("A comment is at most %(count)s characters long.") % {"count": MAX_COMMENT_LENGTH}, field="text"
        )
    comment = Comment.objects.create(material=material, author=actor, text=text)
    common.notify(
        recipients=[a for a in material.authors.all() if a.pk != actor.pk],
        kind=NotificationKind.MATERIAL_COMMENT,
        subject=gettext_noop("A new comment on your material: %(title)s"),
        body=gettext_noop("%(person)s commented on “%(title)s”:\n\n%(text)s"),
        params={"title": material.title, "person": str(actor), "text": text},
        link=common.material_link(material, access.organisation),
        organisation=access.organisation,
    )
    return comment


@transaction.atomic
def attachment_download(*, attachment_id: int, actor: User) -> Attachment:
    """The attachment ``actor`` may download, counted; raises ``MaterialNotFoundError`` otherwise.

    Open the file in the same schema (the tenant storage resolves names against
    the active one)::

        attachment = attachment_download(attachment_id=pk, actor=request.user)
        return FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.original_name, content_type=attachment.content_type)
    """
    attachment = Attachment.objects.select_related("version__material").filter(pk=attachment_id).first()
    if attachment is None:
        raise MaterialNotFoundError(_("No such file."))
    version = attachment.version
    access = permissions.access_for(actor)
    if not permissions.can_view_version(access, version.material, version):
        raise MaterialNotFoundError(_("No such file."))
    Material.objects.filter(pk=version.material_id).update(download_count=F("download_count") + 1)
    return attachment
