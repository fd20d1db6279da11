"""What a file really is, judged by its content (never by its name): the one sniffer.

Used by the case bank's attachments (``casebank.files``) and the Help Hour's documents
(``consultations.help_hour.files``); each decides which types it accepts and its limits.

* PDF by its ``%PDF-`` header; PNG, JPEG and GIF by their signatures.
* DOCX, PPTX and XLSX are ZIP archives with ``[Content_Types].xml`` and the part that
  names them (``word/document.xml``, ``ppt/presentation.xml``, ``xl/workbook.xml``);
  ODT by its short ``mimetype`` entry and ``content.xml``.
* A ZIP whose entries claim more than ``MAX_UNPACKED_BYTES`` unpacked is nothing we
  accept (a "zip bomb" guard), before any entry is read.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True)
class FileType:
    code: str
    label: str
    content_type: str
    extensions: tuple[str, ...]
    is_image: bool = False


PDF = FileType("pdf", "PDF", "application/pdf", (".pdf",))
DOCX = FileType(
    "docx", "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
PPTX = FileType(
    "pptx", "PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)
)
XLSX = FileType(
    "xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
ODT = FileType("odt", "ODT", "application/vnd.oasis.opendocument.text", (".odt",))
PNG = FileType("png", "PNG", "image/png", (".png",), is_image=True)
JPEG = FileType("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg"), is_image=True)
GIF = FileType("gif", "GIF", "image/gif", (".gif",), is_image=True)

# An archive may not claim more than this when unpacked.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_OOXML_PARTS = {"word/document.xml": DOCX, "ppt/presentation.xml": PPTX, "xl/workbook.xml": XLSX}
_ODF_MIMETYPES = {ODT.content_type: ODT}
_MIMETYPE_MAX_BYTES = 100


def detect(stream: IO[bytes]) -> FileType | None:
    """The file's type by content, or None; the stream is left at its start."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip(stream)
    return None


def _detect_zip(stream: IO[bytes]) -> FileType | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                return None
            names = {info.filename for info in infos}
            if "[Content_Types].xml" in names:
                for part, file_type in _OOXML_PARTS.items():
                    if part in names:
                        return file_type
            if (
                "mimetype" in names
                and "content.xml" in names
                and archive.getinfo("mimetype").file_size <= _MIMETYPE_MAX_BYTES
            ):
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return _ODF_MIMETYPES.get(mimetype)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    finally:
        stream.seek(0)
    return None
