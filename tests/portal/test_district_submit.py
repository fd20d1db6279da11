"""«Отправить в банк района» after the district published the material: disabled with the reason
until an author changes something, then offered again (issue 14, "the author sees what became
of their material")."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context

from accounts.models import Role
from casebank import services
from tests.casebank.factories import district_material
from tests.conftest import District, client_for, member

pytestmark = pytest.mark.django_db

SCHOOL = "school1.localhost"
SUBMIT_FORM = re.compile(r'<form method="post" action="/casebank/materials/\d+/submit/"')


@pytest.fixture(autouse=True)
def _russian() -> None:
    translation.activate("ru")


def test_sending_is_disabled_with_the_reason_once_published_and_offered_again_after_an_edit(
    district: District,
) -> None:
    author = member(district.school_a).user
    methodologist = member(district.centre, Role.METHODOLOGIST).user
    own, _copy = district_material(district, author, methodologist, title="Кейс для района")
    client = client_for(author, SCHOOL)

    page = client.get(f"/casebank/materials/{own.pk}/").content.decode()
    assert not SUBMIT_FORM.search(page)
    button = page[page.index('class="inline submit-district"') :]
    assert re.search(
        r'<button type="button" class="secondary" disabled aria-describedby="nothing-to-send">', button
    )
    assert "Опубликован в банке района как есть: измените материал, чтобы отправить изменения." in button

    with tenant_context(district.school_a):
        services.material_update(material=own, actor=author, abstract="Вторая редакция")
    page = client.get(f"/casebank/materials/{own.pk}/").content.decode()
    assert SUBMIT_FORM.search(page)
    assert "nothing-to-send" not in page


def test_a_material_awaiting_moderation_can_still_be_sent_again(district: District) -> None:
    author = member(district.school_a).user
    with tenant_context(district.school_a):
        own = services.material_create(
            actor=author, title="Черновик для района", abstract="Кратко", body="<p>Текст</p>"
        )
        services.material_submit(material=own, actor=author)
    page = client_for(author, SCHOOL).get(f"/casebank/materials/{own.pk}/").content.decode()
    assert SUBMIT_FORM.search(page)
    assert "nothing-to-send" not in page
