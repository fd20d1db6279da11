"""Documents are checked by their content, not their name; the size limit holds."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from consultations.help_hour.files import DocumentError, validate_document
from tests.help_hour.helpers import Cast, docx_bytes, new_request, odt_bytes, pdf_bytes, upload
from tutornet.errors import TutornetError


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


def _stored_documents() -> set[str]:
    from django.core.files.storage import default_storage

    from tests.help_hour.helpers import in_centre_schema

    with in_centre_schema():
        if not default_storage.exists("help_hour/requests"):
            return set()
        folders, _files = default_storage.listdir("help_hour/requests")
        return {
            f"{folder}/{name}"
            for folder in folders
            for name in default_storage.listdir(f"help_hour/requests/{folder}")[1]
        }


def test_a_document_saved_before_a_refusal_is_removed_with_the_rollback(cast: Cast) -> None:
    """The file is written to storage, then sending is refused (no preferred time): the
    transaction rolls back, and the file goes with it instead of staying behind, orphaned."""
    from consultations.help_hour import services

    before = _stored_documents()
    with pytest.raises(TutornetError) as refused:
        services.request_create(
            actor=cast.requester.user,
            membership=cast.requester,
            subject=cast.subject,
            category="work_program",
            description="Рабочая программа",
            participant_ids=[cast.requester.user.pk],
            preferred_times=[],
            document=upload("program.docx", docx_bytes()),
            submit=True,
        )

    assert refused.value.field == "preferred_times"
    assert _stored_documents() == before
    # A draft with the same document keeps it: the removal is for rollbacks only.
    draft = new_request(cast, submit=False, document=upload("program.docx", docx_bytes()))
    assert len(_stored_documents() - before) == 1 and draft.document_name == "program.docx"
