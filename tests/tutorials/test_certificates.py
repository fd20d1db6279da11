"""Participation certificates: frozen text, the PDF's own text, the public verification page."""

from __future__ import annotations

import io
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from accounts.models import Role
from tenants.models import Organisation
from tests.conftest import District, client_for, member
from tutorials.certificates import (
    CertificateText,
    certificate_file,
    certificate_issue,
    certificate_pdf,
    certificates_issue_many,
    certificates_render,
)
from tutorials.models import Certificate

pytestmark = pytest.mark.django_db

TEXT = CertificateText(
    holder_name="Иванова Анна Петровна",
    title="Задания с развёрнутым ответом в ОГЭ по математике",
    kind_label="семинаре",
    starts_on=date(2026, 11, 12),
    ends_on=date(2026, 11, 12),
    hours=Decimal("2.5"),
    organiser="Петров Сергей Иванович",
    organisation_name="Центр развития образования",
)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_certificate_pdf_holds_name_title_date_hours_organiser_and_verification_link(
    centre: Organisation, district: District
) -> None:
    teacher = member(district.school_a).user
    certificate = certificate_issue(user=teacher, source="tutorial", source_id=7, text=TEXT)
    content = certificate_pdf(certificate)
    assert content.startswith(b"%PDF-")
    text = " ".join(pdf_text(content).split())
    assert "СЕРТИФИКАТ" in text
    assert "Иванова Анна Петровна" in text
    assert "«Задания с развёрнутым ответом в ОГЭ по математике»" in text
    assert "семинаре" in text
    assert "12 ноября 2026" in text
    assert "2,5" in text
    assert "Петров Сергей Иванович" in text
    assert f"/certificates/{certificate.token}/" in text.replace(" ", "")
    assert district.host(centre) in text


def test_text_outside_the_font_subset_falls_back_to_the_full_font(centre: Organisation) -> None:
    teacher = member(centre, Role.TUTOR).user
    text = CertificateText(**{**TEXT.__dict__, "holder_name": "Ἀλέξανδρος Ωμέγα"})
    certificate = certificate_issue(user=teacher, source="tutorial", source_id=8, text=text)
    assert "Ἀλέξανδρος Ωμέγα" in pdf_text(certificate_pdf(certificate))


def test_issuing_twice_returns_the_same_certificate_with_text_frozen(centre: Organisation) -> None:
    teacher = member(centre, Role.TUTOR).user
    first = certificate_issue(user=teacher, source="tutorial", source_id=9, text=TEXT)
    again = certificate_issue(
        user=teacher, source="tutorial", source_id=9, text=CertificateText(**{**TEXT.__dict__, "title": "X"})
    )
    assert again.pk == first.pk and again.title == TEXT.title
    assert Certificate.objects.filter(user=teacher, source="tutorial", source_id=9).count() == 1


def test_bulk_issue_keeps_existing_and_renders_pdfs(centre: Organisation) -> None:
    people = [member(centre, Role.TUTOR).user for _ in range(3)]
    existing = certificate_issue(user=people[0], source="event", source_id=3, text=TEXT)
    ids = certificates_issue_many(
        source="event", source_id=3, items=[(p.pk, TEXT) for p in people], render=False
    )
    assert len(ids) == 3 and existing.pk in ids
    assert certificates_render(ids) == 3
    for certificate in Certificate.objects.filter(pk__in=ids):
        assert certificate.pdf.name.endswith(f"{certificate.token}.pdf")
        assert "Иванова Анна Петровна" in pdf_text(certificate_file(certificate))
    assert certificates_render(ids) == 0  # already rendered


def test_a_batch_is_split_into_one_pdf_per_certificate_each_with_its_own_text(centre: Organisation) -> None:
    """The worker draws a batch as one document and splits it: every PDF has one page, its holder's
    name and number and no one else's, and its own title."""
    people = [member(centre, Role.TUTOR).user for _ in range(4)]
    names = ["Иванова Анна Петровна", "Петрова Ольга Игоревна", "Сидоров Павел Ильич", "Кузнецова Нина"]
    ids = certificates_issue_many(
        source="event",
        source_id=4,
        items=[
            (p.pk, CertificateText(**{**TEXT.__dict__, "holder_name": n}))
            for p, n in zip(people, names, strict=True)
        ],
        render=False,
    )
    assert certificates_render(ids) == 4
    for certificate in Certificate.objects.filter(pk__in=ids):
        with certificate.pdf.open("rb") as stored:
            reader = PdfReader(io.BytesIO(stored.read()))
        assert len(reader.pages) == 1
        text = " ".join(reader.pages[0].extract_text().split())
        assert certificate.holder_name in text
        assert [n for n in names if n in text] == [certificate.holder_name]
        assert f"/certificates/{certificate.token}/" in text.replace(" ", "")
        assert (
            reader.metadata is not None
            and reader.metadata.title == f"{certificate.holder_name}: {TEXT.title}"
        )


def test_verification_page_confirms_a_genuine_certificate_without_sign_in(district: District) -> None:
    with tenant_context(district.centre):
        teacher = member(district.school_a).user
        certificate = certificate_issue(user=teacher, source="tutorial", source_id=11, text=TEXT)
    response = client_for(None, district.host(district.centre)).get(f"/certificates/{certificate.token}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-verdict="genuine"' in body and "Иванова Анна Петровна" in body


def test_verification_page_says_unknown_for_a_made_up_or_foreign_token(district: District) -> None:
    anonymous = client_for(None, district.host(district.centre))
    response = anonymous.get(f"/certificates/{uuid.uuid4()}/")
    assert response.status_code == 404 and 'data-verdict="unknown"' in response.content.decode()
    assert anonymous.get("/certificates/not-a-uuid/").status_code == 404
    # A certificate of the centre is not confirmed by a school's site.
    with tenant_context(district.centre):
        certificate = certificate_issue(
            user=member(district.school_a).user, source="tutorial", source_id=12, text=TEXT
        )
    school = client_for(None, district.host(district.school_b))
    assert school.get(f"/certificates/{certificate.token}/").status_code == 404


def test_only_the_holder_or_staff_download_the_pdf(district: District) -> None:
    with tenant_context(district.centre):
        holder = member(district.school_a).user
        other = member(district.school_a).user
        methodologist = member(district.centre, Role.METHODOLOGIST).user
        certificate = certificate_issue(user=holder, source="tutorial", source_id=13, text=TEXT)
    host = district.host(district.centre)
    url = f"/tutorials/certificates/{certificate.pk}/pdf/"
    response = client_for(holder, host).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Иванова Анна Петровна" in pdf_text(response.content)
    assert client_for(methodologist, host).get(url).status_code == 200
    assert client_for(other, host).get(url).status_code == 404
    assert client_for(None, host).get(url).status_code == 302
