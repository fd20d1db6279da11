"""Writing materials in this organisation's bank: create, edit, publish in a school, attachments.

Invariants:
* only a material's authors edit it;
* an edit never changes a version readers have seen: a published (or rejected)
  version stays as it was and the edit becomes a new version.  In a school's
  bank (not moderated) the new version is published at once; in the district
  bank it awaits the methodologists' moderation and readers keep seeing the
  last published version;
* a version awaiting moderation is not edited in place by ``material_update``
  (``material_submit`` from the school may replace it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from notifications.models import Kind as NotificationKind
from tenants.models import Organisation, Subject
from tutornet.stored_files import atomic_with_files

from .. import permissions
from ..errors import MaterialInvalidError, ModerationStateError
from ..models import Attachment, Kind, Licence, Material, MaterialVersion, Status
from . import common

_UNCHANGED = None


def latest_version(material: Material) -> MaterialVersion:
    version = material.versions.order_by("-number").first()
    assert version is not None, "a material always has a first version"
    return version


def locked(material: Material) -> Material:
    """The material re-read under a row lock: moderation, edits and ratings of one material serialise."""
    return Material.objects.select_for_update().get(pk=material.pk)


@atomic_with_files
def material_create(
    *,
    title: str,
    actor: User,
    kind: str = Kind.CASE,
    licence: str = Licence.CC_BY,
    abstract: str = "",
    body: str = "",
    subjects: Iterable[Subject | int] = (),
    grades: Iterable[int] = (),
    topics: Iterable[str] = (),
    co_authors: Iterable[User] = (),
    files: Sequence[File] = (),
) -> Material:
    """A draft in the current organisation's bank, by ``actor`` (and co-authors of the same organisation).

    The draft is seen by its authors only.  Files are checked by content
    (``casebank.files``) before anything is written.
    """
    access = permissions.access_for(actor)
    permissions.require(
        permissions.can_create(access), _("Only staff of this organisation write materials in its bank.")
    )
    organisation = access.organisation
    fields = _clean_fields(
        title=title, kind=kind, licence=licence, abstract=abstract, body=body,
        subjects=subjects, grades=grades, topics=topics,
    )  # fmt: skip
    authors = common.clean_authors(co_authors, actor=actor, organisation=organisation)
    checked = common.check_files(files)
    material = Material.objects.create(title=str(fields["title"]), created_by=actor, status=Status.DRAFT)
    material.authors.set(authors)
    version = MaterialVersion.objects.create(material=material, number=1, created_by=actor, **fields)
    common.attachments_store(version, checked)
    common.version_apply(material, version)
    common.audit(actor=actor, organisation=organisation, action="casebank.material_created", target=material)
    return material


def _clean_fields(
    *,
    title: str,
    kind: str,
    licence: str,
    abstract: str,
    body: str,
    subjects: Iterable[Subject | int],
    grades: Iterable[int],
    topics: Iterable[str],
) -> dict[str, object]:
    body = common.sanitise_html(body, own_images=common.CASEBANK_IMAGE_SOURCE)
    return {
        "title": common.clean_title(title),
        "kind": common.clean_choice(kind, Kind, "kind"),
        "licence": common.clean_choice(licence, Licence, "licence"),
        "abstract": (abstract or "").strip(),
        "body": body,
        "body_text": common.html_to_text(body),
        "subject_ids": common.clean_subject_ids(subjects),
        "grades": common.clean_grades(grades),
        "topics": common.clean_topics(topics),
    }


@atomic_with_files
def material_update(
    *,
    material: Material,
    actor: User,
    title: str | None = _UNCHANGED,
    kind: str | None = _UNCHANGED,
    licence: str | None = _UNCHANGED,
    abstract: str | None = _UNCHANGED,
    body: str | None = _UNCHANGED,
    subjects: Iterable[Subject | int] | None = _UNCHANGED,
    grades: Iterable[int] | None = _UNCHANGED,
    topics: Iterable[str] | None = _UNCHANGED,
    add_files: Sequence[File] = (),
    remove_attachment_ids: Iterable[int] = (),
    co_authors: Iterable[User] | None = None,
) -> MaterialVersion:
    """An author's edit; arguments left as None keep their value.  Returns the edited version.

    ``co_authors``: the other authors from now on (the editor always stays one); new ones must
    be active staff of the organisation.  A district copy's authors come from the school's
    material with each submission, so they are not changed here.

    * The latest version is a draft or was returned: it is edited in place.
    * It is published or rejected: the edit becomes version n+1 — published at
      once in a school's bank, awaiting moderation in the district bank (the
      methodologists are notified), while readers keep the published one.
    * It awaits moderation: refused (wait for the decision).
    """
    material = locked(material)
    access = permissions.access_for(actor)
    permissions.require(permissions.can_edit(access, material), _("Only the authors edit a material."))
    organisation = access.organisation
    latest = latest_version(material)
    if latest.status == Status.SUBMITTED:
        raise ModerationStateError(
            _("This material awaits moderation. You can edit it again after the methodologists decide.")
        )
    fields = _clean_fields(
        title=latest.title if title is None else title,
        kind=latest.kind if kind is None else kind,
        licence=latest.licence if licence is None else licence,
        abstract=latest.abstract if abstract is None else abstract,
        body=latest.body if body is None else body,
        subjects=latest.subject_ids if subjects is None else subjects,
        grades=latest.grades if grades is None else grades,
        topics=latest.topics if topics is None else topics,
    )
    remove_ids = set(remove_attachment_ids)
    kept = [a for a in latest.attachments.all() if a.pk not in remove_ids]
    if unknown := remove_ids - {a.pk for a in latest.attachments.all()}:
        raise MaterialInvalidError(
            _("No such file in this material: %(ids)s.") % {"ids": ", ".join(map(str, sorted(unknown)))},
            field="attachments",
        )
    checked = common.check_files(add_files, existing=len(kept))
    if co_authors is not None:
        _authors_set(material, co_authors, actor=actor, organisation=organisation)

    if latest.status in (Status.DRAFT, Status.RETURNED):
        version = latest
        for name, value in fields.items():
            setattr(version, name, value)
        version.save()
        version.attachments.filter(pk__in=remove_ids).delete()
    else:
        version = MaterialVersion.objects.create(
            material=material,
            number=latest.number + 1,
            created_by=actor,
            status=Status.PUBLISHED if organisation.is_school else Status.SUBMITTED,
            submitted_at=None if organisation.is_school else timezone.now(),
            **fields,
        )
        # Files are never rewritten: the new version's rows point to the same stored files.
        Attachment.objects.bulk_create(
            [
                Attachment(
                    version=version,
                    file=a.file.name,
                    original_name=a.original_name,
                    content_type=a.content_type,
                    size=a.size,
                )  # fmt: skip
                for a in kept
            ]
        )
    common.attachments_store(version, checked)

    if version.status == Status.PUBLISHED:  # a school's new version is published at once
        material.current_version = version
        material.status = Status.PUBLISHED
        material.published_at = material.published_at or timezone.now()
        common.version_apply(material, version)
        common.search_terms_add([version.title, version.abstract, *version.topics])
    elif material.current_version_id is None:  # nobody reads it yet: the material shows its latest state
        common.version_apply(material, version)
    if version.status == Status.SUBMITTED:
        _notify_submitted(material, version, organisation)
    common.audit(
        actor=actor, organisation=organisation, action="casebank.material_updated",
        target=material, version=version.number,
    )  # fmt: skip
    return version


def _authors_set(
    material: Material, co_authors: Iterable[User], *, actor: User, organisation: Organisation
) -> None:
    if material.origin_organisation_id is not None:
        raise MaterialInvalidError(
            _("The authors of a school's material are changed in the school's bank."), field="co_authors"
        )
    present = list(material.authors.all())
    authors = common.clean_authors(co_authors, actor=actor, organisation=organisation, credited=present)
    if {a.pk for a in authors} != {a.pk for a in present}:
        material.authors.set(authors)


def _notify_submitted(material: Material, version: MaterialVersion, centre: Organisation) -> None:
    origin = material.origin_organisation.short_name if material.origin_organisation else centre.short_name
    common.notify(
        recipients=common.methodologists_of(centre),
        kind=NotificationKind.MATERIAL_SUBMITTED,
        subject=gettext_noop("New material for moderation: %(title)s"),
        body=gettext_noop("“%(title)s” (version %(number)s) from %(origin)s awaits your moderation."),
        params={"title": version.title, "number": version.number, "origin": origin},
        link=common.material_link(material, centre),
        organisation=centre,
    )


@transaction.atomic
def material_publish_in_school(*, material: Material, actor: User) -> Material:
    """An author publishes a draft in the school's own bank (not moderated): the school's staff see it.

    In the district bank publication is the methodologists' (``material_publish``).
    """
    material = locked(material)
    access = permissions.access_for(actor)
    permissions.require(permissions.can_edit(access, material), _("Only the authors publish a material."))
    if not access.organisation.is_school:
        raise ModerationStateError(_("In the district bank a material is published by the methodologists."))
    latest = latest_version(material)
    if latest.status != Status.DRAFT:
        raise ModerationStateError(_("This version is already published."))
    latest.status = Status.PUBLISHED
    latest.decided_at = timezone.now()
    latest.decided_by = actor
    latest.save(update_fields=["status", "decided_at", "decided_by"])
    material.current_version = latest
    material.status = Status.PUBLISHED
    material.published_at = material.published_at or timezone.now()
    common.version_apply(material, latest)
    common.search_terms_add([latest.title, latest.abstract, *latest.topics])
    common.audit(
        actor=actor, organisation=access.organisation, action="casebank.material_published_in_school",
        target=material,
    )  # fmt: skip
    return material


@transaction.atomic
def material_delete_draft(*, material: Material, actor: User) -> None:
    """An author deletes a material that was never published nor submitted (its files go too)."""
    material = locked(material)
    access = permissions.access_for(actor)
    permissions.require(permissions.can_edit(access, material), _("Only the authors delete a material."))
    if material.versions.exclude(status=Status.DRAFT).exists() or material.district_copy_id:
        raise ModerationStateError(_("Only a material that was never published or submitted can be deleted."))
    names = list(Attachment.objects.filter(version__material=material).values_list("file", flat=True))
    material.delete()
    common.audit(
        actor=actor,
        organisation=access.organisation,
        action="casebank.material_deleted",
        target=material.title,
    )
    # Paths now: the tenant storage resolves names against the schema active when it is asked.
    storage = Attachment._meta.get_field("file").storage
    paths = [storage.path(name) for name in names]

    def delete_files() -> None:
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)

    transaction.on_commit(delete_files)
