"""Checking the documents schools send and tutors return: docx, odt or pdf, by content.

The name's extension is not trusted: the content is judged by ``tutornet.filetypes``
(the one sniffer, shared with the case bank, with its zip-bomb guard): a PDF header,
or a ZIP archive with the entries of a Word document (``[Content_Types].xml`` and
``word/document.xml``) or of an OpenDocument text (``mimetype`` and ``content.xml``).
The detected type must match the extension, so a PDF renamed to .docx is refused too.
The size limit is ``HELP_HOUR_DOCUMENT_MAX_BYTES``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tutornet import filetypes
from tutornet.errors import TutornetError

ALLOWED = ("docx", "odt", "pdf")


class DocumentError(TutornetError):
    code = "bad_document"


def detect_kind(stream: IO[bytes]) -> str | None:
    """ "docx", "odt" or "pdf" judged by content (``tutornet.filetypes``); None for anything else."""
    file_type = filetypes.detect(stream)
    return file_type.code if file_type in (filetypes.DOCX, filetypes.ODT, filetypes.PDF) else None


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
