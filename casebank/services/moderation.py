"""Sharing with the district and moderation.

A school's material is shared by copying it into the centre's schema
(ARCHITECTURE 2): the copy credits the same authors and the school of origin
(``origin_organisation``, ``origin_material_id``); the school's material keeps
``district_copy_id``.  The copy goes through moderation by the centre's
methodologists: publish, return with comments, or reject with a reason.

Invariants:
* only the authors submit; only the centre's methodologists moderate;
* a decision applies to the one version awaiting moderation (at most one per
  material, held by a unique constraint); readers of the district bank keep
  seeing the last published version until a new one is published;
* both schemas are written in one transaction (one database, one connection):
  a failure leaves neither the copy nor the school's link to it;
* every step notifies through the outbox, delivered after commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import tenant_context
from portal.pictures import editor_images_copy

from accounts.models import User
from notifications.models import Kind as NotificationKind
from tenants.models import Organisation
from tutornet.stored_files import atomic_with_files, file_save

from .. import permissions
from ..errors import MaterialInvalidError, ModerationStateError
from ..models import Attachment, Material, MaterialVersion, Status
from . import common
from .materials import _notify_submitted, latest_version, locked

_CONTENT_FIELDS = (
    "title", "abstract", "body", "body_text", "kind", "licence", "grades", "topics", "subject_ids",
)  # fmt: skip


@dataclass(frozen=True)
class _FileToCopy:
    path: str
    original_name: str
    content_type: str
    size: int


@atomic_with_files
def material_submit(*, material: Material, actor: User) -> Material:
    """An author submits a material to the district bank; returns the material awaiting moderation there.

    From a school: the latest version of the school's material (content,
    metadata, files, authors) becomes the district copy's version awaiting
    moderation — a new copy the first time, then a new version of the same
    copy (or a replacement of the one still awaiting moderation or returned).
    At the centre: the latest draft or returned version is submitted as it is.
    The centre's methodologists are notified.
    """
    access = permissions.access_for(actor)
    if access.organisation.is_centre:
        return _submit_in_place(material, actor, access)
    material = locked(material)
    permissions.require(permissions.can_edit(access, material), _("Only the authors submit a material."))
    school = access.organisation
    centre = school.centre
    if centre is None:  # the database guarantees a school has one
        raise ModerationStateError(_("This school belongs to no district."))
    source = latest_version(material)
    content = {name: getattr(source, name) for name in _CONTENT_FIELDS}
    # Pictures the editor uploaded to the school: copied to the centre, which serves the copy.
    content["body"] = editor_images_copy(body=str(content["body"]), source=school, target=centre)
    storage = Attachment._meta.get_field("file").storage
    # Absolute paths now: the tenant storage resolves names against the active schema.
    to_copy = [
        _FileToCopy(storage.path(str(a.file.name)), a.original_name, a.content_type, a.size)
        for a in source.attachments.all()
    ]
    author_ids = list(material.authors.values_list("pk", flat=True))
    with tenant_context(centre):
        copy, version = _district_copy_write(
            school=school, centre=centre, material=material, content=content,
            files=to_copy, author_ids=author_ids, actor=actor,
        )  # fmt: skip
    if material.district_copy_id != copy.pk:
        material.district_copy_id = copy.pk
        material.save(update_fields=["district_copy_id", "updated_at"])
    common.audit(
        actor=actor, organisation=school, action="casebank.material_submitted",
        target=material, district_copy=copy.pk, version=version.number,
    )  # fmt: skip
    return copy


def _district_copy_write(
    *,
    school: Organisation,
    centre: Organisation,
    material: Material,
    content: dict[str, object],
    files: list[_FileToCopy],
    author_ids: list[int],
    actor: User,
) -> tuple[Material, MaterialVersion]:
    """In the centre's schema: create or update the copy and its version awaiting moderation."""
    now = timezone.now()
    copy = None
    if material.district_copy_id:
        copy = Material.objects.select_for_update().filter(pk=material.district_copy_id).first()
    if copy is None:
        copy = Material.objects.create(
            title=str(content["title"]), created_by=actor, status=Status.SUBMITTED,
            origin_organisation=school, origin_material_id=material.pk,
        )  # fmt: skip
        version = MaterialVersion(material=copy, number=1)
    else:
        pending = latest_version(copy)
        if pending.status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED):
            version = pending  # replaced by the school's current content
            version.attachments.all().delete()  # rows only: stored files may serve older versions
        else:
            version = MaterialVersion(material=copy, number=pending.number + 1)
    copy.authors.set(author_ids)
    for name, value in content.items():
        setattr(version, name, value)
    version.status = Status.SUBMITTED
    version.submitted_at = now
    version.created_by = actor
    version.save()
    for item in files:
        with open(item.path, "rb") as stream:
            attachment = Attachment(
                version=version,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
            )
            file_save(attachment.file, item.path.rsplit("/", 1)[-1], File(stream))
            attachment.save()
    if copy.current_version_id is None:
        copy.status = Status.SUBMITTED
        common.version_apply(copy, version)
    _notify_submitted(copy, version, centre)
    return copy, version


def _submit_in_place(material: Material, actor: User, access: permissions.BankAccess) -> Material:
    material = locked(material)
    permissions.require(permissions.can_edit(access, material), _("Only the authors submit a material."))
    version = latest_version(material)
    if version.status not in (Status.DRAFT, Status.RETURNED):
        raise ModerationStateError(_("The latest version of this material is not a draft or returned one."))
    version.status = Status.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    if material.current_version_id is None:
        material.status = Status.SUBMITTED
        material.save(update_fields=["status", "updated_at"])
    _notify_submitted(material, version, access.organisation)
    common.audit(
        actor=actor, organisation=access.organisation, action="casebank.material_submitted",
        target=material, version=version.number,
    )  # fmt: skip
    return material


def _pending_version(material: Material) -> MaterialVersion:
    version = material.versions.filter(status=Status.SUBMITTED).first()
    if version is None:
        raise ModerationStateError(_("Nothing of this material awaits moderation."))
    return version


def _moderator(actor: User) -> permissions.BankAccess:
    access = permissions.access_for(actor)
    permissions.require(
        permissions.can_moderate(access), _("Only the centre's methodologists moderate the district bank.")
    )
    return access


def _decide(version: MaterialVersion, status: Status, actor: User, comment: str) -> None:
    version.status = status
    version.decided_at = timezone.now()
    version.decided_by = actor
    version.moderator_comment = comment
    version.save(update_fields=["status", "decided_at", "decided_by", "moderator_comment"])


def _notify_authors(
    material: Material, version: MaterialVersion, organisation: Organisation, kind: NotificationKind,
    subject: str, body: str, comment: str = "",
) -> None:  # fmt: skip
    common.notify(
        recipients=material.authors.all(),
        kind=kind,
        subject=subject,
        body=body,
        params={"title": version.title, "number": version.number, "comment": comment},
        link=common.material_link(material, organisation),
        organisation=organisation,
    )


@transaction.atomic
def material_publish(*, material: Material, actor: User) -> MaterialVersion:
    """A methodologist publishes the version awaiting moderation; it becomes what everyone reads."""
    access = _moderator(actor)
    material = locked(material)
    version = _pending_version(material)
    _decide(version, Status.PUBLISHED, actor, version.moderator_comment)
    material.current_version = version
    material.status = Status.PUBLISHED
    material.published_at = material.published_at or timezone.now()
    common.version_apply(material, version)
    common.search_terms_add([version.title, version.abstract, *version.topics])
    _notify_authors(
        material, version, access.organisation, NotificationKind.MATERIAL_PUBLISHED,
        gettext_noop("Your material is published: %(title)s"),
        gettext_noop("“%(title)s” (version %(number)s) is published in the district bank."),
    )  # fmt: skip
    common.audit(
        actor=actor, organisation=access.organisation, action="casebank.material_published",
        target=material, version=version.number,
    )  # fmt: skip
    return version


@transaction.atomic
def material_return(*, material: Material, actor: User, comment: str) -> MaterialVersion:
    """A methodologist returns the version awaiting moderation to its authors with comments."""
    return _turn_down(
        material, actor, comment, ("comment", _("Say what the authors should change.")),
        Status.RETURNED, NotificationKind.MATERIAL_RETURNED,
        gettext_noop("Your material is returned for changes: %(title)s"),
        gettext_noop("“%(title)s” (version %(number)s) is returned for changes.\n\n%(comment)s"),
        "casebank.material_returned",
    )  # fmt: skip


@transaction.atomic
def material_reject(*, material: Material, actor: User, reason: str) -> MaterialVersion:
    """A methodologist rejects the version awaiting moderation, with a reason."""
    return _turn_down(
        material, actor, reason, ("reason", _("Give the reason for rejecting the material.")),
        Status.REJECTED, NotificationKind.MATERIAL_REJECTED,
        gettext_noop("Your material is rejected: %(title)s"),
        gettext_noop("“%(title)s” (version %(number)s) is not accepted to the district bank.\n\n%(comment)s"),
        "casebank.material_rejected",
    )  # fmt: skip


def _turn_down(
    material: Material,
    actor: User,
    text: str,
    required: tuple[str, str],
    status: Status,
    kind: NotificationKind,
    subject: str,
    body: str,
    action: str,
) -> MaterialVersion:
    """Return or reject the pending version (inside the caller's transaction): the decision, a
    never-published material's status, the authors told with the methodologist's text, the audit row.
    ``required`` is (field, message) for a missing text."""
    access = _moderator(actor)
    text = (text or "").strip()
    if not text:
        raise MaterialInvalidError(required[1], field=required[0])
    material = locked(material)
    version = _pending_version(material)
    _decide(version, status, actor, text)
    if material.current_version_id is None:
        material.status = status
        material.save(update_fields=["status", "updated_at"])
    _notify_authors(material, version, access.organisation, kind, subject, body, text)
    common.audit(
        actor=actor, organisation=access.organisation, action=action, target=material, version=version.number
    )
    return version
