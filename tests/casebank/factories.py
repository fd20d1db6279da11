"""Test data for the case-material bank: files with real signatures, materials made through the services."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from casebank import services
from casebank.models import Material
from tenants.models import Organisation
from tests.conftest import member

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def pdf_file(name: str = "plan.pdf", padding: int = 0) -> ContentFile:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"%" * padding + b"\n%%EOF\n"
    return ContentFile(body, name=name)


def exe_file(name: str = "plan.pdf") -> ContentFile:
    return ContentFile(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, name=name)


def png_file(name: str = "scheme.png") -> ContentFile:
    return ContentFile(PNG_BYTES, name=name)


def jpeg_file(name: str = "photo.jpg") -> ContentFile:
    return ContentFile(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100 + b"\xff\xd9", name=name)


def gif_file(name: str = "anim.gif") -> ContentFile:
    return ContentFile(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", name=name)


def _zip(parts: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), parts.pop(stored_first), zipfile.ZIP_STORED)
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_file(name: str = "plan.docx") -> ContentFile:
    return ContentFile(
        _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}), name=name
    )


def pptx_file(name: str = "slides.pptx") -> ContentFile:
    return ContentFile(
        _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p:presentation/>"}), name=name
    )


def xlsx_file(name: str = "table.xlsx") -> ContentFile:
    return ContentFile(
        _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}), name=name
    )


def odt_file(name: str = "plan.odt") -> ContentFile:
    return ContentFile(
        _zip(
            {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"},
            stored_first="mimetype",
        ),
        name=name,
    )


def plain_zip_file(name: str = "plan.docx") -> ContentFile:
    return ContentFile(_zip({"readme.txt": b"hello"}), name=name)


def staff(organisation: Organisation, role: str = Role.TEACHER) -> User:
    return member(organisation, role).user


def material(organisation: Organisation, author: User, *, publish: bool = True, **fields: Any) -> Material:
    """A material written through the services in ``organisation``'s bank (published in a school's bank)."""
    fields.setdefault("title", "Кейс: задачи по математике")
    with tenant_context(organisation):
        created = services.material_create(actor=author, **fields)
        if publish and organisation.is_school:
            created = services.material_publish_in_school(material=created, actor=author)
        return created


def district_material(
    district: Any, author: User, methodologist: User, **fields: Any
) -> tuple[Material, Material]:
    """A school A material submitted to and published in the district bank: (school's, centre's copy)."""
    own = material(district.school_a, author, **fields)
    with tenant_context(district.school_a):
        copy = services.material_submit(material=own, actor=author)
        own.refresh_from_db()
    with tenant_context(district.centre):
        services.material_publish(material=copy, actor=methodologist)
        copy.refresh_from_db()
    return own, copy
