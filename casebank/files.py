"""Attachment validation: the type is decided by the file's content, not by its name.

* The type is told by ``tutornet.filetypes`` (the one sniffer, shared with the Help Hour):
  PDF, PNG, JPEG and GIF by their signatures, DOCX, PPTX, XLSX and ODT by the parts of
  their ZIP archive, with a guard against archives claiming too much unpacked.
* The name's extension must agree with the content, so a program renamed to
  ``.pdf`` or a spreadsheet renamed to ``.docx`` is refused with a message that
  says what the file really is.
* Size limits come from settings (``CASEBANK_MAX_DOCUMENT_BYTES``,
  ``CASEBANK_MAX_IMAGE_BYTES``).
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tutornet.filetypes import DOCX, GIF, JPEG, ODT, PDF, PNG, PPTX, XLSX, FileType, detect

from .errors import AttachmentRejectedError, AttachmentTooLargeError

ALLOWED = (PDF, DOCX, ODT, PPTX, XLSX, PNG, JPEG, GIF)

# Signatures of things people most often rename by mistake or on purpose, for a clearer message.
_KNOWN_OTHERS = (
    (b"MZ", gettext_noop("a Windows program (EXE)")),
    (b"\x7fELF", gettext_noop("a program (ELF)")),
    (b"\xd0\xcf\x11\xe0", gettext_noop("an old Microsoft Office document (DOC/XLS/PPT)")),
    (b"Rar!", gettext_noop("a RAR archive")),
    (b"7z\xbc\xaf", gettext_noop("a 7-Zip archive")),
    (b"{\\rtf", gettext_noop("an RTF document")),
)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    type: FileType
    size: int


def allowed_types_label() -> str:
    return ", ".join(t.label for t in ALLOWED)


def _detect(stream: IO[bytes]) -> FileType | None:
    """By content, through the one sniffer (``tutornet.filetypes``, with its zip-bomb guard)."""
    file_type = detect(stream)
    return file_type if file_type in ALLOWED else None


def _what_else(stream: IO[bytes]) -> str:
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    for signature, description in _KNOWN_OTHERS:
        if head.startswith(signature):
            return _(description)
    if head.startswith(b"PK\x03\x04"):
        return _("a ZIP archive")
    return _("of an unknown type")


def clean_file_name(name: str) -> str:
    """The uploader's file name without any path, control characters or leading dots."""
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".")
    return name[:200] or "file"


def _size_of(stream: IO[bytes]) -> int:
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    position = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def check_attachment(stream: IO[bytes], name: str) -> CheckedFile:
    """Check one uploaded file; return its real type or raise a clear error.

    ``stream`` is any binary file object (an ``UploadedFile``, a ``File``, ``BytesIO``).
    """
    name = clean_file_name(name)
    size = _size_of(stream)
    if size == 0:
        raise AttachmentRejectedError(
            _("The file “%(name)s” is empty.") % {"name": name}, field="attachments"
        )
    file_type = _detect(stream)
    extension = os.path.splitext(name)[1].lower()
    if file_type is None:
        raise AttachmentRejectedError(
            _(
                "The file “%(name)s” was refused: by its content it is %(what)s, not one of the allowed "
                "types (%(allowed)s)."
            )
            % {"name": name, "what": _what_else(stream), "allowed": allowed_types_label()},
            field="attachments",
        )
    if extension not in file_type.extensions:
        raise AttachmentRejectedError(
            _(
                "The file “%(name)s” was refused: its name says “%(extension)s” but its content is %(type)s. "
                "Rename it to “%(expected)s” or upload the right file."
            )
            % {
                "name": name,
                "extension": extension or _("no extension"),
                "type": file_type.label,
                "expected": file_type.extensions[0],
            },
            field="attachments",
        )
    limit = settings.CASEBANK_MAX_IMAGE_BYTES if file_type.is_image else settings.CASEBANK_MAX_DOCUMENT_BYTES
    if size > limit:
        raise AttachmentTooLargeError(
            _("The file “%(name)s” is %(size)s MB; the largest allowed %(type)s file is %(limit)s MB.")
            % {
                "name": name,
                "size": f"{size / 1024 / 1024:.1f}",
                "type": file_type.label,
                "limit": f"{limit / 1024 / 1024:.0f}"
                if limit >= 1024 * 1024
                else f"{limit / 1024 / 1024:.2f}",
            },
            field="attachments",
        )
    return CheckedFile(name=name, type=file_type, size=size)
