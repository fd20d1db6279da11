"""Checking the documents schools send and tutors return: docx, odt or pdf, by content.

The name's extension is not trusted: the first bytes must be a PDF header, or
the file must be a ZIP archive with the entries of a Word document
(``[Content_Types].xml`` and ``word/document.xml``) or of an OpenDocument text
(a ``mimetype`` entry saying ``application/vnd.oasis.opendocument.text`` and
``content.xml``).  The detected type must match the extension, so a PDF
renamed to .docx is refused too.  The size limit is ``HELP_HOUR_DOCUMENT_MAX_BYTES``.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tutornet.errors import TutornetError

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
ALLOWED = ("docx", "odt", "pdf")
# A document's archive may not claim more than this when unpacked (a "zip bomb" guard).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class DocumentError(TutornetError):
    code = "bad_document"


def _zip_kind(stream: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                return None
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
            if (
                "mimetype" in names
                and "content.xml" in names
                and archive.read("mimetype").strip() == ODT_MIMETYPE
            ):
                return "odt"
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def detect_kind(stream: IO[bytes]) -> str | None:
    """ "docx", "odt" or "pdf" judged by content; None for anything else."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(b"PK\x03\x04"):
            return _zip_kind(stream)
        return None
    finally:
        stream.seek(0)


def validate_document(uploaded: Any, *, field: str = "document") -> str:
    """Check an uploaded file (Django ``UploadedFile`` or ``File``); returns its kind.

    Raises ``DocumentError`` (a ``TutornetError`` naming ``field``) for a file
    that is too large, empty, of another type, or whose content does not match
    its extension.
    """
    name = getattr(uploaded, "name", "") or ""
    extension = PurePath(name).suffix.lower().lstrip(".")
    limit = settings.HELP_HOUR_DOCUMENT_MAX_BYTES
    size = getattr(uploaded, "size", None)
    if size is None:
        raise DocumentError(_("The file could not be read."), field=field)
    if size == 0:
        raise DocumentError(_("The file is empty."), field=field)
    if size > limit:
        raise DocumentError(
            _("The file is too large: %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            field=field,
        )
    if extension not in ALLOWED:
        raise DocumentError(_("Only .docx, .odt and .pdf documents are accepted."), field=field)
    stream = uploaded.file if hasattr(uploaded, "file") and uploaded.file is not None else uploaded
    kind = detect_kind(stream)
    if kind is None:
        raise DocumentError(
            _("The file is not a real .docx, .odt or .pdf document (its content was checked)."), field=field
        )
    if kind != extension:
        raise DocumentError(
            _("The file is named .%(extension)s but its content is a .%(kind)s document.")
            % {"extension": extension, "kind": kind},
            field=field,
        )
    return kind
