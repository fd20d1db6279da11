"""A school's bank is its own: materials, search results and files never reach another school."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from casebank import selectors, services
from casebank.errors import MaterialNotFoundError, MaterialPermissionError
from casebank.models import Attachment, Material
from tests.conftest import District

from .factories import district_material, material, pdf_file, staff

pytestmark = pytest.mark.django_db


def test_a_school_only_material_is_never_visible_to_another_school(district: District) -> None:
    author = staff(district.school_a)
    other = staff(district.school_b)
    own = material(district.school_a, author, title="Кейс школы один по физике", files=[pdf_file()])
    with tenant_context(district.school_a):
        attachment = Attachment.objects.get(version__material=own)
        # Asked in school A's bank: no membership there, nothing.
        with pytest.raises(MaterialNotFoundError):
            selectors.material_get(material_id=own.pk, user=other)
        with pytest.raises(MaterialPermissionError):
            selectors.materials_search(user=other, query="физике")
        with pytest.raises(MaterialNotFoundError):
            services.attachment_download(attachment_id=attachment.pk, actor=other)
        assert not selectors.materials_authored(user=other).exists()
        own.refresh_from_db()
        assert own.download_count == 0
    # School B's own bank and the district bank do not have it either.
    with tenant_context(district.school_b):
        assert selectors.materials_search(user=other, query="физике").total == 0
        assert not Material.objects.filter(title="Кейс школы один по физике").exists()
        with pytest.raises(MaterialNotFoundError):
            services.attachment_download(attachment_id=attachment.pk, actor=other)
    with tenant_context(district.centre):
        assert selectors.materials_search(user=other, query="физике").total == 0


def test_a_school_material_is_visible_to_that_schools_staff(district: District) -> None:
    author, colleague = staff(district.school_a), staff(district.school_a, Role.TUTOR)
    own = material(district.school_a, author, title="Кейс по физике")
    with tenant_context(district.school_a):
        assert selectors.material_get(material_id=own.pk, user=colleague).pk == own.pk
        assert selectors.materials_search(user=colleague, query="физика").total == 1


def test_a_draft_is_visible_to_its_authors_only(district: District) -> None:
    author, co_author = staff(district.school_a), staff(district.school_a)
    colleague, admin = staff(district.school_a), staff(district.school_a, Role.SCHOOL_ADMIN)
    draft = material(district.school_a, author, co_authors=[co_author], publish=False, files=[pdf_file()])
    with tenant_context(district.school_a):
        attachment = Attachment.objects.get(version__material=draft)
        for reader in (author, co_author):
            assert selectors.material_get(material_id=draft.pk, user=reader).pk == draft.pk
            assert services.attachment_download(attachment_id=attachment.pk, actor=reader).pk == attachment.pk
        for outsider in (colleague, admin):
            with pytest.raises(MaterialNotFoundError):
                selectors.material_get(material_id=draft.pk, user=outsider)
            with pytest.raises(MaterialNotFoundError):
                services.attachment_download(attachment_id=attachment.pk, actor=outsider)
        assert [m.pk for m in selectors.materials_authored(user=co_author)] == [draft.pk]


def test_the_district_bank_is_read_by_every_school_of_the_district_and_its_files_downloaded(
    district: District,
) -> None:
    author = staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    _own, copy = district_material(district, author, methodologist, files=[pdf_file()])
    with tenant_context(district.centre):
        attachment = Attachment.objects.get(version__material=copy)
        for reader in (
            staff(district.school_b),
            staff(district.school_a),
            staff(district.centre, Role.TUTOR),
        ):
            assert selectors.material_get(material_id=copy.pk, user=reader).pk == copy.pk
            got = services.attachment_download(attachment_id=attachment.pk, actor=reader)
            with got.file.open("rb") as stream:
                assert stream.read(5) == b"%PDF-"
        copy.refresh_from_db()
        assert copy.download_count == 3
        # Someone with no membership in the district gets nothing.
        from tests.factories import UserFactory

        stranger = UserFactory()
        with pytest.raises(MaterialNotFoundError):
            services.attachment_download(attachment_id=attachment.pk, actor=stranger)
        with pytest.raises(MaterialNotFoundError):
            selectors.material_get(material_id=copy.pk, user=stranger)
