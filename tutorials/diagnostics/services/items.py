"""Writes of the question bank's items: create, edit (versions), archive, mark used.

Invariants (besides the database's):
* an item has at least one codifier topic of its own subject's codifiers;
* a version a campaign has used is never changed: editing the item then makes the
  next version and points ``current_version`` to it;
* editing and marking used lock the item row, so an edit never slips into a version
  that a campaign has just started using.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit
from casebank.files import check_attachment
from codifier.models import Topic
from tenants.models import Subject

from ..errors import ItemInvalidError
from ..models import Item, ItemImage, ItemType, ItemVersion
from ..permissions import require_bank
from ..sanitising import sanitise_item_html as sanitise_html
from .bodies import clean_body

MAX_TOPICS = 10
MAX_POINTS = Decimal("100")


def clean_text(text: str, *, field: str = "text") -> str:
    cleaned = sanitise_html(text or "")
    if not cleaned:
        raise ItemInvalidError(_("Write the item's text."), field=field)
    return cleaned


def clean_points(value: Any) -> Decimal:
    try:
        points = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ItemInvalidError(_("Points are a number, for example 1 or 2."), field="max_points") from None
    if not points.is_finite() or points <= 0 or points > MAX_POINTS:
        raise ItemInvalidError(_("Points are more than 0 and at most 100."), field="max_points")
    return points


def clean_topics(subject: Subject, topics: Iterable[Topic | int]) -> list[Topic]:
    ids = sorted({t.pk if isinstance(t, Topic) else int(t) for t in topics})
    if not ids:
        raise ItemInvalidError(_("Tag the item with at least one codifier topic."), field="topics")
    if len(ids) > MAX_TOPICS:
        raise ItemInvalidError(_("An item has at most 10 topics."), field="topics")
    found = list(Topic.objects.filter(pk__in=ids, codifier__subject=subject))
    if len(found) != len(ids):
        raise ItemInvalidError(_("A topic is not in a codifier of the item's subject."), field="topics")
    return found


def clean_all(
    *, kind: str, subject: Subject, text: str, body: dict[str, Any], max_points: Any, topics: Iterable[Any]
) -> tuple[str, dict[str, Any], Decimal, list[Topic]]:
    points = clean_points(max_points)
    return clean_text(text), clean_body(kind, body, max_points=points), points, clean_topics(subject, topics)


def write_item(
    *,
    subject: Subject,
    type: str,
    name: str,
    text: str,
    body: dict[str, Any],
    points: Decimal,
    topics: list[Topic],
    actor: User,
) -> Item:
    """Write an item whose content is already clean (the calling service checked it)."""
    item = Item.objects.create(subject=subject, type=type, name=(name or "").strip()[:255], author=actor)
    version = ItemVersion.objects.create(
        item=item, number=1, text=text, body=body, max_points=points, created_by=actor
    )
    version.topics.set(topics)
    item.current_version = version
    item.save(update_fields=["current_version"])
    return item


@transaction.atomic
def item_create(
    *,
    subject: Subject,
    type: str,
    text: str,
    body: dict[str, Any],
    topics: Sequence[Topic | int],
    actor: User,
    max_points: Any = 1,
    name: str = "",
) -> Item:
    membership = require_bank(actor)
    if type not in ItemType.values:
        raise ItemInvalidError(_("Unknown item type."), field="type")
    text, body, points, topic_rows = clean_all(
        kind=type, subject=subject, text=text, body=body, max_points=max_points, topics=topics
    )
    item = write_item(
        subject=subject,
        type=type,
        name=name,
        text=text,
        body=body,
        points=points,
        topics=topic_rows,
        actor=actor,
    )
    audit(actor=actor, organisation=membership.organisation, action="diagnostics.item_create", target=item.pk)
    return item


@transaction.atomic
def item_update(
    *,
    item: Item,
    text: str,
    body: dict[str, Any],
    topics: Sequence[Topic | int],
    actor: User,
    max_points: Any = 1,
    name: str | None = None,
) -> ItemVersion:
    """The item's new content: in place while unused, else as the next version.

    Returns the version that now holds the content (``item.current_version``)."""
    membership = require_bank(actor)
    locked = Item.objects.select_for_update().get(pk=item.pk)
    text, body, points, topic_rows = clean_all(
        kind=locked.type, subject=locked.subject, text=text, body=body, max_points=max_points, topics=topics
    )
    if name is not None:
        locked.name = name.strip()[:255]
    current = (
        ItemVersion.objects.filter(pk=locked.current_version_id).first()
        if locked.current_version_id
        else None
    )
    if current is not None and current.used_at is None:
        current.text, current.body, current.max_points = text, body, points
        current.save(update_fields=["text", "body", "max_points"])
        version = current
    else:
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ItemVersion.objects.create(
            item=locked, number=number, text=text, body=body, max_points=points, created_by=actor
        )
    version.topics.set(topic_rows)
    locked.current_version = version
    locked.save(update_fields=["current_version", "name"])
    item.current_version, item.name = version, locked.name
    audit(
        actor=actor,
        organisation=membership.organisation,
        action="diagnostics.item_update",
        target=item.pk,
        version=version.number,
    )
    return version


@transaction.atomic
def item_archive(*, item: Item, actor: User, archived: bool = True) -> Item:
    """Archived items stay for the campaigns that used them but are no longer drawn."""
    membership = require_bank(actor)
    Item.objects.filter(pk=item.pk).update(archived=archived)
    item.archived = archived
    audit(
        actor=actor,
        organisation=membership.organisation,
        action="diagnostics.item_archive" if archived else "diagnostics.item_restore",
        target=item.pk,
    )
    return item


@transaction.atomic
def versions_mark_used(version_ids: Iterable[int]) -> int:
    """Freeze the versions a campaign shows (call it when the campaign opens or an attempt
    draws its items).  Idempotent; returns how many were newly frozen.  Takes the items'
    row locks in id order, as ``item_update`` does, so an edit cannot interleave."""
    ids = sorted(set(version_ids))
    if not ids:
        return 0
    item_ids = sorted(set(ItemVersion.objects.filter(pk__in=ids).values_list("item_id", flat=True)))
    list(Item.objects.select_for_update().filter(pk__in=item_ids).order_by("pk").values_list("pk", flat=True))
    return ItemVersion.objects.filter(pk__in=ids, used_at__isnull=True).update(used_at=timezone.now())


@transaction.atomic
def item_image_add(*, item: Item, file: Any, actor: User) -> ItemImage:
    """A picture for the item's text, checked by its content (PNG, JPEG, GIF) with the case
    bank's file sniffer and stored in the organisation's own file storage."""
    membership = require_bank(actor)
    checked = check_attachment(file, getattr(file, "name", "") or "image")
    if not checked.type.is_image:
        raise ItemInvalidError(
            _("“%(name)s” is not a picture (PNG, JPEG or GIF).") % {"name": checked.name}, field="image"
        )
    file.seek(0)
    image = ItemImage(
        item=item, original_name=checked.name, content_type=checked.type.content_type, size=checked.size
    )
    image.file.save(checked.name, file, save=False)
    image.save()
    audit(actor=actor, organisation=membership.organisation, action="diagnostics.image_add", target=item.pk)
    return image
