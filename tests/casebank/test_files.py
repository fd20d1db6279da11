"""Attachments: the type is decided by content; size limits; storage per schema."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from casebank import files
from casebank.errors import AttachmentRejectedError, AttachmentTooLargeError, MaterialInvalidError
from casebank.models import Attachment, Material
from tests.conftest import District

from .factories import (
    docx_file,
    exe_file,
    gif_file,
    jpeg_file,
    material,
    odt_file,
    pdf_file,
    plain_zip_file,
    png_file,
    pptx_file,
    staff,
    xlsx_file,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (pdf_file, "pdf"), (docx_file, "docx"), (odt_file, "odt"), (pptx_file, "pptx"),
        (xlsx_file, "xlsx"), (png_file, "png"), (jpeg_file, "jpeg"), (gif_file, "gif"),
    ],
)  # fmt: skip
def test_allowed_documents_and_images_are_recognised_by_their_content(upload: object, code: str) -> None:
    uploaded = upload()  # type: ignore[operator]
    assert files.check_attachment(uploaded, uploaded.name).type.code == code


def test_a_pdf_that_is_really_an_exe_is_refused_with_a_clear_message(district: District) -> None:
    author = staff(district.school_a)
    with pytest.raises(AttachmentRejectedError) as refused:
        material(district.school_a, author, title="Кейс с вирусом", files=[exe_file("plan.pdf")])
    message = refused.value.message
    assert "plan.pdf" in message and "Windows program (EXE)" in message and "PDF" in message
    assert refused.value.field == "attachments"
    with tenant_context(district.school_a):
        assert not Material.objects.filter(title="Кейс с вирусом").exists()


def test_a_file_whose_name_does_not_match_its_content_is_refused() -> None:
    with pytest.raises(AttachmentRejectedError, match="its name says “.docx” but its content is PDF"):
        files.check_attachment(pdf_file("plan.docx"), "plan.docx")
    # A ZIP that is no office document is not a DOCX, whatever its name.
    with pytest.raises(AttachmentRejectedError, match="ZIP archive"):
        files.check_attachment(plain_zip_file("plan.docx"), "plan.docx")
    with pytest.raises(AttachmentRejectedError, match="empty"):
        files.check_attachment(ContentFile(b"", name="plan.pdf"), "plan.pdf")


def test_an_oversize_file_is_refused(settings: object, district: District) -> None:
    settings.CASEBANK_MAX_DOCUMENT_BYTES = 1024  # type: ignore[attr-defined]
    settings.CASEBANK_MAX_IMAGE_BYTES = 50  # type: ignore[attr-defined]
    with pytest.raises(AttachmentTooLargeError, match="largest allowed PDF file") as refused:
        material(district.school_a, staff(district.school_a), files=[pdf_file(padding=2000)])
    assert refused.value.status == 413
    assert files.check_attachment(pdf_file(padding=500), "small.pdf").type.code == "pdf"
    with pytest.raises(AttachmentTooLargeError):
        files.check_attachment(png_file(), "scheme.png")


def test_too_many_files_are_refused(settings: object, district: District) -> None:
    settings.CASEBANK_MAX_ATTACHMENTS = 2  # type: ignore[attr-defined]
    with pytest.raises(MaterialInvalidError, match="At most 2 files"):
        material(district.school_a, staff(district.school_a), files=[pdf_file(), docx_file(), png_file()])


def test_a_stored_file_keeps_no_part_of_the_uploaders_name_in_its_path(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, files=[pdf_file("../../etc/passwd.pdf")])
    with tenant_context(district.school_a):
        attachment = Attachment.objects.get(version__material=own)
        assert attachment.original_name == "passwd.pdf"
        assert attachment.content_type == "application/pdf"
        assert f"/{district.school_a.schema_name}/casebank/{own.pk}/1/" in attachment.file.path
        assert ".." not in attachment.file.name and "passwd" not in attachment.file.name
