"""Writes and access checks for the pictures people upload (``portal.models``).

* A picture is judged by its content (``tutornet.filetypes``, the one sniffer): PNG, JPEG or GIF,
  whatever its name says; then Pillow must decode it whole, within a pixel budget (a
  "decompression bomb" guard).  What is stored is re-encoded by the server: no metadata (EXIF
  GPS), no trailing payload, no animation.
* A tutor's photo is cropped to a square and scaled to ``PHOTO_SIDE``; a picture in rich text is
  scaled down to ``EDITOR_IMAGE_MAX_SIDE``.
* A refused file writes nothing: the checks run before any file or row is made, and a failed
  insert removes the file it had written.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import Membership, Role, User
from accounts.selectors import district_membership_for
from accounts.services import audit
from tenants.models import Organisation
from tutornet.errors import NotFoundError, PermissionDeniedError, TutornetError
from tutornet.filetypes import GIF, JPEG, PNG, detect
from tutornet.stored_files import file_save, files_removed_on_rollback

from .models import EditorImage, ProfilePhoto

PHOTO_SIDE = 400
EDITOR_IMAGE_MAX_SIDE = 1600
# The most pixels a picture may decode to (a 6000 x 4000 camera picture is 24 million).
MAX_PIXELS = 40_000_000
_PICTURE_TYPES = (PNG, JPEG, GIF)


class PictureRejectedError(TutornetError):
    """The upload is not a picture we accept: empty, too large, of another type, or damaged."""


def max_photo_bytes() -> int:
    return int(getattr(settings, "PORTAL_MAX_PHOTO_BYTES", 5 * 1024 * 1024))


def max_editor_image_bytes() -> int:
    return int(getattr(settings, "PORTAL_MAX_EDITOR_IMAGE_BYTES", settings.CASEBANK_MAX_IMAGE_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def _size_of(stream: IO[bytes]) -> int:
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _decoded(stream: IO[bytes], *, limit: int, field: str) -> Image.Image:
    """The picture in ``stream``, decoded and upright, or ``PictureRejectedError`` saying why."""
    size = _size_of(stream)
    if size == 0:
        raise PictureRejectedError(_("The file is empty."), field=field)
    if size > limit:
        raise PictureRejectedError(
            _("The picture is %(size)s MB; the largest allowed is %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)},
            field=field,
        )
    file_type = detect(stream)
    if file_type not in _PICTURE_TYPES:
        raise PictureRejectedError(
            _("By its content this file is %(what)s, not a picture: upload a PNG, JPEG or GIF file.")
            % {"what": file_type.label if file_type is not None else _("of an unknown type")},
            field=field,
        )
    try:
        with Image.open(stream) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise PictureRejectedError(
                    _("The picture is %(width)s × %(height)s pixels: too large to open.")
                    % {"width": width, "height": height},
                    field=field,
                )
            probe.load()
            picture = ImageOps.exif_transpose(probe) or probe
            picture.load()
            return picture.copy()
    except PictureRejectedError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise PictureRejectedError(
            _("The picture could not be read (the file is damaged or incomplete)."), field=field
        ) from error


def _encoded(picture: Image.Image, *, keep_transparency: bool) -> tuple[bytes, str, str]:
    """(bytes, content type, extension): PNG when transparency matters, JPEG otherwise."""
    out = io.BytesIO()
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if keep_transparency and has_alpha:
        picture.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png", "png"
    if picture.mode != "RGB":
        background = Image.new("RGB", picture.size, "white")
        rgba = picture.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        picture = background
    picture.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue(), "image/jpeg", "jpg"


def _save_file(instance: Any, folder: str, data: bytes, extension: str) -> None:
    """Save the picture's file (not the row); removed again if the enclosing block rolls back."""
    file_save(instance.file, f"{folder}/{uuid.uuid4().hex}.{extension}", ContentFile(data))


# --- a tutor's photo -------------------------------------------------------------------------


def _is_tutor(user: User) -> bool:
    return Membership.objects.filter(
        user=user, role=Role.TUTOR, is_active=True, organisation__is_active=True
    ).exists()


def photo_set(*, user: User, organisation: Organisation, upload: IO[bytes]) -> ProfilePhoto:
    """Set ``user``'s own photo (tutors only): checked, cropped square, stored under the
    organisation where it was uploaded.  The previous file is removed once the change commits."""
    if not _is_tutor(user):
        raise PermissionDeniedError(_("Only tutors have a photo on their profile."))
    picture = _decoded(upload, limit=max_photo_bytes(), field="photo")
    square = ImageOps.fit(picture.convert("RGB"), (PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    data, _type, extension = _encoded(square, keep_transparency=False)
    photo = ProfilePhoto.objects.filter(user=user).first() or ProfilePhoto(user=user)
    old_name = photo.file.name if photo.pk else None
    with files_removed_on_rollback(), transaction.atomic():
        _save_file(photo, f"{organisation.schema_name}/profile-photos", data, extension)
        photo.width, photo.height = square.size
        photo.save()
        audit(actor=user, organisation=organisation, action="portal.photo_set", target=user)
    if old_name:
        storage = photo.file.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return photo


def photo_remove(*, user: User, organisation: Organisation) -> None:
    photo = ProfilePhoto.objects.filter(user=user).first()
    if photo is None:
        return
    storage, name = photo.file.storage, str(photo.file.name)
    with transaction.atomic():
        photo.delete()
        audit(actor=user, organisation=organisation, action="portal.photo_removed", target=user)
    transaction.on_commit(lambda: storage.delete(name))


def photos_of(user_ids: Any) -> dict[int, ProfilePhoto]:
    """The photos of these people, by user id: one query for a whole listing."""
    ids = {int(i) for i in user_ids if i}
    if not ids:
        return {}
    return {p.user_id: p for p in ProfilePhoto.objects.filter(user_id__in=ids)}


def photo_for(*, tutor_id: int, organisation: Organisation, viewer: Any) -> ProfilePhoto:
    """The photo of a tutor of ``organisation``, for someone who may see its tutors (its people and,
    at a centre, its schools' people); ``NotFoundError`` otherwise, whether or not a photo exists."""
    if district_membership_for(viewer, organisation) is None:
        raise NotFoundError(_("No such photo."))
    is_tutor_here = Membership.objects.filter(
        organisation=organisation, user_id=tutor_id, role=Role.TUTOR, is_active=True
    ).exists()
    photo = ProfilePhoto.objects.filter(user_id=tutor_id).first() if is_tutor_here else None
    if photo is None:
        raise NotFoundError(_("No such photo."))
    return photo


# --- pictures in rich text -------------------------------------------------------------------


@dataclass(frozen=True)
class Uploaded:
    image: EditorImage
    url: str


def editor_image_url(image: EditorImage) -> str:
    # Relative, on the organisation's own site: the sanitiser keeps only such addresses.
    return f"/portal/images/{image.pk}/"


def editor_image_upload(*, organisation: Organisation, actor: User, upload: IO[bytes]) -> Uploaded:
    """Store a picture written into a text (a case material, a tutorial's description) of
    ``organisation``: for its people (at a centre, its schools' people too)."""
    if district_membership_for(actor, organisation) is None:
        raise PermissionDeniedError(_("Only the organisation's people add pictures here."))
    picture = _decoded(upload, limit=max_editor_image_bytes(), field="image")
    if max(picture.size) > EDITOR_IMAGE_MAX_SIDE:
        picture.thumbnail((EDITOR_IMAGE_MAX_SIDE, EDITOR_IMAGE_MAX_SIDE), Image.Resampling.LANCZOS)
    data, content_type, extension = _encoded(picture, keep_transparency=True)
    image = EditorImage(
        organisation=organisation,
        uploaded_by=actor,
        content_type=content_type,
        width=picture.size[0],
        height=picture.size[1],
        size=len(data),
    )
    with files_removed_on_rollback(), transaction.atomic():
        _save_file(image, f"{organisation.schema_name}/editor-images", data, extension)
        image.save()
        audit(actor=actor, organisation=organisation, action="portal.editor_image_upload", target=image.pk)
    return Uploaded(image=image, url=editor_image_url(image))


def editor_image_for(*, image_id: int, organisation: Organisation, viewer: Any) -> EditorImage:
    """A picture of ``organisation`` for a viewer who may read its texts; ``NotFoundError``
    otherwise (another organisation's picture is as absent as one that never existed)."""
    image = EditorImage.objects.filter(pk=image_id, organisation=organisation).first()
    if image is None or district_membership_for(viewer, organisation) is None:
        raise NotFoundError(_("No such picture."))
    return image


_EDITOR_IMAGE_SOURCE = re.compile(r'(<img\b[^>]*\bsrc=")/portal/images/(\d+)/(")')


def editor_images_copy(*, body: str, source: Organisation, target: Organisation) -> str:
    """``body`` with the pictures ``source`` serves copied to ``target`` and their addresses
    changed to the copies: a school's material sent to the district bank is read on the centre's
    site, by people the school's pictures are not served to.  Pictures of other organisations are
    left as they are (the centre serves none of them: they show as missing, never leak)."""
    ids = {int(match.group(2)) for match in _EDITOR_IMAGE_SOURCE.finditer(body or "")}
    if not ids or source.pk == target.pk:
        return body
    copies: dict[int, str] = {}
    for image in EditorImage.objects.filter(pk__in=ids, organisation=source):
        with image.file.open("rb") as stream:
            data = stream.read()
        copy = EditorImage(
            organisation=target,
            uploaded_by_id=image.uploaded_by_id,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            size=image.size,
        )
        extension = "png" if image.content_type == "image/png" else "jpg"
        _save_file(copy, f"{target.schema_name}/editor-images", data, extension)
        copy.save()
        copies[image.pk] = editor_image_url(copy)

    def swap(match: re.Match[str]) -> str:
        url = copies.get(int(match.group(2)))
        return f"{match.group(1)}{url}{match.group(3)}" if url else match.group(0)

    return _EDITOR_IMAGE_SOURCE.sub(swap, body)
