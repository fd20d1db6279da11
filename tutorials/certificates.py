"""Participation certificates: issue, the PDF, and what the public verification page shows.

``certificate_issue`` freezes the text at issue (``Certificate``'s docstring
says why) and is idempotent: issuing again for the same (user, source, id)
returns the existing certificate.  ``certificates_issue_many`` issues for many
people in one statement and renders their PDFs in the Celery worker
(``tutorials.certificates_render``), queued on commit; a certificate whose PDF
is not rendered yet is rendered when it is first downloaded.

The PDF is made with fpdf2 in DejaVu Sans (Cyrillic), vendored in
``tutornet/fonts``; the worker draws a batch as the pages of one document and
splits it with pypdf (``certificates_pdfs``).  Loading the whole font costs ~70 ms per document, so the
process subsets it once to the characters a Russian or English certificate
uses and embeds that; text with any other character uses the full font.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from tenants.models import Organisation
from tenants.selectors import organisation_url
from tutornet.tenancy import on_commit_in_this_schema

from .models import Certificate

logger = logging.getLogger(__name__)

_FONT_DIR = Path(__file__).resolve().parents[1] / "platform" / "tutornet" / "fonts"
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
_SUBSET = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x400, 0x460)]
    + [0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x201E, 0x2026, 0x2116, 0x20BD]
)
# Certificates per render task: one document (one font subsetting, ~0.3 s) for all of them,
# and still enough tasks to spread 500 over the workers.
RENDER_CHUNK = 50
_subset_lock = threading.Lock()
_subset_paths: dict[str, str] = {}


def verification_path(certificate: Certificate) -> str:
    return f"/certificates/{certificate.token}/"


@dataclass(frozen=True)
class CertificateText:
    """What is printed on a certificate, frozen at issue."""

    holder_name: str
    title: str
    kind_label: str
    starts_on: date
    ends_on: date
    hours: Decimal
    organiser: str
    organisation_name: str


def _row(*, user_id: int, source: str, source_id: int, text: CertificateText) -> Certificate:
    return Certificate(
        user_id=user_id,
        source=source,
        source_id=source_id,
        holder_name=text.holder_name[:300],
        title=text.title[:500],
        kind_label=text.kind_label[:100],
        starts_on=text.starts_on,
        ends_on=text.ends_on,
        hours=text.hours,
        organiser=text.organiser[:500],
        organisation_name=text.organisation_name[:300],
    )


def certificate_issue(*, user: User, source: str, source_id: int, text: CertificateText) -> Certificate:
    """The certificate of ``user`` for (``source``, ``source_id``), issued now unless it exists.

    The caller has already decided that the person earned it (attended); this
    function only records it.  Its PDF is rendered on first download.
    """
    existing = Certificate.objects.filter(user=user, source=source, source_id=source_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            certificate = _row(user_id=user.pk, source=source, source_id=source_id, text=text)
            certificate.save(force_insert=True)
            return certificate
    except IntegrityError:  # issued concurrently
        return Certificate.objects.get(user=user, source=source, source_id=source_id)


def certificates_issue_many(
    *, source: str, source_id: int, items: Iterable[tuple[int, CertificateText]], render: bool = True
) -> list[int]:
    """Issue for many people at once (one INSERT; existing ones are kept); PDFs rendered by the worker.

    Returns the ids of every certificate of these people for the source, new or not.
    """
    items = list(items)
    user_ids = [user_id for user_id, _text in items]
    Certificate.objects.bulk_create(
        [_row(user_id=user_id, source=source, source_id=source_id, text=text) for user_id, text in items],
        ignore_conflicts=True,
        batch_size=500,
    )
    ids = list(
        Certificate.objects.filter(source=source, source_id=source_id, user_id__in=user_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if render and ids:
        from .tasks import certificates_render

        for start in range(0, len(ids), RENDER_CHUNK):
            part = ids[start : start + RENDER_CHUNK]
            on_commit_in_this_schema(partial(certificates_render.delay, part))
    return ids


def certificates_render(certificate_ids: Sequence[int]) -> int:
    """Render and store the PDFs of these certificates that have none yet (the Celery task's body).

    They are drawn as the pages of one document and split (``certificates_pdfs``):
    the font is embedded and subset once for the batch, not once per certificate.
    """
    organisation = _current_organisation()
    certificates = list(Certificate.objects.filter(pk__in=certificate_ids, pdf="").order_by("pk"))
    for certificate, content in zip(
        certificates, certificates_pdfs(certificates, organisation=organisation), strict=True
    ):
        certificate.pdf.save(f"{certificate.token}.pdf", ContentFile(content), save=False)
    Certificate.objects.bulk_update(certificates, ["pdf"])
    return len(certificates)


def _store(certificate: Certificate, content: bytes) -> None:
    certificate.pdf.save(f"{certificate.token}.pdf", ContentFile(content), save=False)
    Certificate.objects.filter(pk=certificate.pk).update(pdf=certificate.pdf.name)


def certificate_store_pdf(certificate: Certificate, *, organisation: Organisation | None = None) -> bytes:
    content = certificate_pdf(certificate, organisation=organisation)
    _store(certificate, content)
    return content


def certificate_file(certificate: Certificate) -> bytes:
    """The certificate's PDF: the stored one, or rendered (and stored) now."""
    if certificate.pdf:
        try:
            with certificate.pdf.open("rb") as stored:
                return stored.read()
        except FileNotFoundError:
            logger.warning("Certificate %s lost its PDF; rendering it again", certificate.pk)
    return certificate_store_pdf(certificate)


def _current_organisation() -> Organisation:
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation):
        return tenant
    return Organisation.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]  # django-tenants' backend


# --- the PDF -----------------------------------------------------------------------------


def _subset_font(name: str) -> str:
    """The path of ``name`` cut down to ``_SUBSET`` (made once per process, in the temp directory)."""
    with _subset_lock:
        path = _subset_paths.get(name)
        if path and os.path.exists(path):
            return path
        from fontTools import subset

        options = subset.Options()
        options.layout_features = []
        options.notdef_outline = True
        options.name_IDs = ["*"]
        options.drop_tables += ["FFTM"]
        font = subset.load_font(str(_FONT_DIR / name), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(_SUBSET))
        subsetter.subset(font)
        handle, path = tempfile.mkstemp(prefix="tutornet-", suffix=f"-{name}")
        os.close(handle)
        subset.save_font(font, path, options)
        _subset_paths[name] = path
        return path


def _font_paths(texts: Iterable[str]) -> tuple[str, str]:
    if all(ord(ch) in _SUBSET or ch in "\n\t" for text in texts for ch in text):
        return _subset_font(REGULAR), _subset_font(BOLD)
    return str(_FONT_DIR / REGULAR), str(_FONT_DIR / BOLD)


def _dates(certificate: Certificate) -> str:
    start = date_format(certificate.starts_on, "j E Y")
    if certificate.ends_on == certificate.starts_on:
        return start
    return f"{date_format(certificate.starts_on, 'j E Y')} — {date_format(certificate.ends_on, 'j E Y')}"


def _hours(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if translation.get_language() == "ru" else text


def certificate_lines(certificate: Certificate, *, link: str) -> list[tuple[str, str, float]]:
    """The certificate's text, line by line: (style, text, size); the PDF and its test share it."""
    lines: list[tuple[str, str, float]] = [
        ("B", _("CERTIFICATE"), 30),
        ("", _("of participation"), 16),
        ("", "", 8),
        ("", _("This is to certify that"), 13),
        ("B", certificate.holder_name, 22),
        ("", _("took part in the %(kind)s") % {"kind": certificate.kind_label} if certificate.kind_label
         else _("took part in"), 13),
        ("B", f"«{certificate.title}»", 16),
        ("", "", 6),
        ("", _dates(certificate), 13),
        ("", _("Hours: %(hours)s") % {"hours": _hours(certificate.hours)}, 13),
        ("", _("Organiser: %(organiser)s") % {"organiser": certificate.organiser}, 13),
        ("", certificate.organisation_name, 13),
        ("", "", 6),
        ("", _("Certificate no. %(token)s") % {"token": certificate.token}, 9),
        ("", _("Check that it is genuine: %(link)s") % {"link": link}, 9),
    ]  # fmt: skip
    return lines


def certificate_pdf(certificate: Certificate, *, organisation: Organisation | None = None) -> bytes:
    """The certificate as an A4 landscape PDF, in Russian (the documents people file are in Russian)."""
    return certificates_pdfs([certificate], organisation=organisation)[0]


def certificates_pdfs(
    certificates: Sequence[Certificate], *, organisation: Organisation | None = None
) -> list[bytes]:
    """One PDF per certificate, made together: fpdf2 draws them as the pages of one document,
    embedding (and subsetting) the font once, and pypdf splits it into one document each.

    fpdf2 subsets the embedded font whenever it writes a document, which cost
    two thirds of a certificate's time when each was its own document
    (bench/certificate_render.py).  Each split document carries its own title
    and date and the font subset of the batch (the glyphs of all its pages).
    """
    from fpdf import FPDF

    if not certificates:
        return []
    organisation = organisation or _current_organisation()
    with translation.override(settings.LANGUAGE_CODE):
        pages = [
            (
                certificate_lines(
                    certificate, link=organisation_url(organisation, verification_path(certificate))
                ),
                _("Issued %(date)s")
                % {"date": timezone.localtime(certificate.issued_at, organisation.zone).strftime("%d.%m.%Y")},
            )
            for certificate in certificates
        ]
    regular, bold = _font_paths(text for lines, _issued in pages for _style, text, _size in lines)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_creator("Tutornet")
    if len(certificates) == 1:
        pdf.set_title(_title(certificates[0]))
        pdf.set_creation_date(certificates[0].issued_at)
    pdf.set_auto_page_break(auto=False)
    pdf.add_font("DejaVu", "", regular)
    pdf.add_font("DejaVu", "B", bold)
    for lines, issued in pages:
        _draw(pdf, lines, issued)
    whole = bytes(pdf.output())
    if len(certificates) == 1:
        return [whole]
    return _split(whole, certificates)


def _title(certificate: Certificate) -> str:
    return f"{certificate.holder_name}: {certificate.title}"


def _draw(pdf: Any, lines: list[tuple[str, str, float]], issued: str) -> None:
    """One certificate on one page (the text never runs over: a long title wraps within it)."""
    pdf.add_page()
    pdf.set_draw_color(40, 90, 150)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_y(22)
    for style, text, size in lines:
        pdf.set_font("DejaVu", style, size)
        if not text:
            pdf.ln(size)
            continue
        if pdf.get_string_width(text) <= pdf.epw:  # one line: no line breaking (half a page's time)
            pdf.cell(0, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.set_y(pdf.h - 30)
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 5, issued, align="R")


def _split(whole: bytes, certificates: Sequence[Certificate]) -> list[bytes]:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(whole))
    if len(reader.pages) != len(certificates):
        raise RuntimeError("a certificate ran over its page")
    documents = []
    for page, certificate in zip(reader.pages, certificates, strict=True):
        writer = PdfWriter()
        writer.add_page(page)
        writer.add_metadata(
            {
                "/Title": _title(certificate),
                "/Creator": "Tutornet",
                "/Producer": "fpdf2, pypdf",
                "/CreationDate": certificate.issued_at.strftime("D:%Y%m%d%H%M%SZ"),
            }
        )
        out = io.BytesIO()
        writer.write(out)
        documents.append(out.getvalue())
    return documents


def certificate_for_token(token: str) -> Certificate | None:
    """The certificate with this public verification id in the current organisation, or None."""
    import uuid

    try:
        value = uuid.UUID(str(token))
    except ValueError:
        return None
    return Certificate.objects.filter(token=value).first()
