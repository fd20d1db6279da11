"""Documents are checked by their content, not their name; the size limit holds."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from consultations.help_hour.files import DocumentError, validate_document
from tests.help_hour.helpers import Cast, docx_bytes, new_request, odt_bytes, pdf_bytes, upload


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("программа.docx", docx_bytes(), "docx"),
        ("plan.ODT", odt_bytes(), "odt"),
        ("map.pdf", pdf_bytes(), "pdf"),
    ],
)
def test_real_docx_odt_and_pdf_documents_are_accepted(name: str, content: bytes, kind: str) -> None:
    assert validate_document(upload(name, content)) == kind


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry, text in entries.items():
            archive.writestr(entry, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.pdf", b"just some text pretending to be a PDF"),
        ("program.docx", b"MZ\x90\x00 an executable"),
        ("program.docx", _zip({"readme.txt": "an ordinary archive"})),
        (
            "plan.odt",
            _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
        ),
        ("broken.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_a_file_whose_content_is_not_a_document_is_refused(name: str, content: bytes) -> None:
    with pytest.raises(DocumentError, match="content was checked") as refused:
        validate_document(upload(name, content))
    assert refused.value.field == "document"


def test_a_document_whose_content_does_not_match_its_extension_is_refused() -> None:
    with pytest.raises(DocumentError, match=r"named \.docx but its content is a \.pdf"):
        validate_document(upload("program.docx", pdf_bytes()))


@pytest.mark.parametrize("name", ["program.doc", "program.exe", "program", "program.xlsx"])
def test_other_extensions_are_refused_even_with_a_real_document_inside(name: str) -> None:
    with pytest.raises(DocumentError, match=r"Only \.docx, \.odt and \.pdf"):
        validate_document(upload(name, docx_bytes()))


def test_the_size_limit_setting_holds() -> None:
    content = pdf_bytes() + b"0" * 2000
    with (
        override_settings(HELP_HOUR_DOCUMENT_MAX_BYTES=1000),
        pytest.raises(DocumentError, match="too large"),
    ):
        validate_document(upload("big.pdf", content))
    with override_settings(HELP_HOUR_DOCUMENT_MAX_BYTES=len(content)):
        assert validate_document(upload("big.pdf", content)) == "pdf"
    with pytest.raises(DocumentError, match="empty"):
        validate_document(upload("empty.pdf", b""))


def test_a_request_with_a_disguised_file_is_not_saved(cast: Cast) -> None:
    from consultations.help_hour.models import HelpHourRequest
    from tests.help_hour.helpers import in_centre_schema

    with in_centre_schema():
        before = HelpHourRequest.objects.count()
    with pytest.raises(DocumentError):
        new_request(cast, document=upload("program.pdf", b"<html>not a pdf</html>"))
    with in_centre_schema():
        assert HelpHourRequest.objects.count() == before
