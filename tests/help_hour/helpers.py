"""Building blocks for Help Hour tests: real documents, the people of a district, requests made
through the services (never by writing rows behind their back)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import Membership, Role, User
from consultations.help_hour import services
from consultations.help_hour.models import HelpHourRequest, HelpHourSession
from notifications.models import Notification
from tenants.models import Subject
from tests.conftest import District, member
from tests.factories import SubjectFactory


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed timestamp, so the same document gives the same bytes."""
    return zipfile.ZipInfo(name, date_time=(2026, 9, 1, 0, 0, 0))


def docx_bytes(text: str = "Рабочая программа") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("[Content_Types].xml"), '<?xml version="1.0"?><Types/>')
        archive.writestr(_entry("_rels/.rels"), '<?xml version="1.0"?><Relationships/>')
        archive.writestr(
            _entry("word/document.xml"), f'<?xml version="1.0"?><w:document><w:t>{text}</w:t></w:document>'
        )
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            _entry("mimetype"), "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED
        )
        archive.writestr(_entry("content.xml"), '<?xml version="1.0"?><office:document-content/>')
        archive.writestr(_entry("META-INF/manifest.xml"), '<?xml version="1.0"?><manifest/>')
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@dataclass
class Cast:
    """The people of one Help Hour story: school A's staff, school B's, the centre's."""

    district: District
    subject: Subject
    requester: Membership  # a teacher of school A
    colleague: Membership  # another teacher of school A (a participant)
    school_admin: Membership  # school A's admin
    outsider: Membership  # a teacher of school A who takes no part
    other_admin: Membership  # school B's admin
    other_teacher: Membership  # a teacher of school B
    methodologist: Membership
    methodologist2: Membership
    tutor: Membership
    tutor2: Membership
    centre_admin: Membership

    def user(self, name: str) -> User:
        return getattr(self, name).user


def make_cast(district: District) -> Cast:
    return Cast(
        district=district,
        subject=SubjectFactory(),
        requester=member(district.school_a, Role.TEACHER),
        colleague=member(district.school_a, Role.TEACHER),
        school_admin=member(district.school_a, Role.SCHOOL_ADMIN),
        outsider=member(district.school_a, Role.TEACHER),
        other_admin=member(district.school_b, Role.SCHOOL_ADMIN),
        other_teacher=member(district.school_b, Role.TEACHER),
        methodologist=member(district.centre, Role.METHODOLOGIST),
        methodologist2=member(district.centre, Role.METHODOLOGIST),
        tutor=member(district.centre, Role.TUTOR),
        tutor2=member(district.centre, Role.TUTOR),
        centre_admin=member(district.centre, Role.CENTRE_ADMIN),
    )


PREFERRED = [{"date": "2031-03-02", "from": "14:00", "to": "16:00"}]


def new_request(
    cast: Cast,
    *,
    by: str = "requester",
    submit: bool = True,
    participants: tuple[str, ...] = ("requester", "colleague"),
    subject: Subject | None = None,
    document: Any = None,
    category: str = "work_program",
) -> HelpHourRequest:
    membership = getattr(cast, by)
    return services.request_create(
        actor=membership.user,
        membership=membership,
        subject=subject or cast.subject,
        category=category,
        description="Не получается согласовать рабочую программу с ФОП",
        participant_ids=[cast.user(p).pk for p in participants],
        preferred_times=PREFERRED,
        document=document,
        submit=submit,
    )


def accepted_request(cast: Cast, **kwargs: Any) -> HelpHourRequest:
    request = new_request(cast, **kwargs)
    return services.request_accept(
        request_id=request.pk, actor=cast.user("methodologist"), membership=cast.methodologist
    )


def schedule(
    cast: Cast,
    requests: list[HelpHourRequest],
    *,
    capacity: int = 10,
    mode: str = "video",
    starts_at: datetime | None = None,
    place: str = "",
) -> HelpHourSession:
    starts_at = starts_at or timezone.now() + timedelta(days=3)
    return services.session_schedule(
        request_ids=[r.pk for r in requests],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        mode=mode,
        place=place,
        capacity=capacity,
        tutor_ids=[cast.user("tutor").pk],
        actor=cast.user("methodologist"),
        membership=cast.methodologist,
    )


def in_centre_schema() -> Any:
    return schema_context("centre")


def notification_count(user: User, kind: str | None = None) -> int:
    queryset = Notification.objects.filter(recipient=user)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.count()
