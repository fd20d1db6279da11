"""Pictures of items: checked by content, stored in the organisation's storage, served only there."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from accounts.models import Role
from casebank.services.common import sanitise_html
from tests.casebank.factories import PNG_BYTES
from tests.conftest import District, client_for, member
from tutorials.diagnostics.models import ItemImage
from tutorials.diagnostics.sanitising import sanitise_item_html

from .factories import bank_codifier, make_item, methodologist

pytestmark = pytest.mark.django_db


def test_a_picture_is_uploaded_shown_in_the_text_and_served_to_this_organisation_only(
    district: District,
) -> None:
    with tenant_context(district.school_a):
        admin = methodologist(district.school_a)
        item = make_item(actor=admin, codifier=bank_codifier())
    client = client_for(admin, district.host(district.school_a))
    response = client.post(
        f"/diagnostics/bank/items/{item.pk}/images/", {"image": SimpleUploadedFile("graph.png", PNG_BYTES)}
    )
    assert response.status_code == 302
    with tenant_context(district.school_a):
        image = ItemImage.objects.get(item=item)
        assert image.content_type == "image/png" and image.file.name.startswith("diagnostics/images/")
        text = f'<p>По графику</p><img src="/diagnostics/bank/images/{image.pk}/" alt="график">'
        from tutorials.diagnostics.services import item_update

        version = item_update(
            item=item, text=text, body=item.current_version.body,  # type: ignore[union-attr]
            topics=[t.pk for t in item.current_version.topics.all()], actor=admin,  # type: ignore[union-attr]
        )  # fmt: skip
        assert f'src="/diagnostics/bank/images/{image.pk}/"' in version.text
    served = client.get(f"/diagnostics/bank/images/{image.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG_BYTES  # type: ignore[attr-defined]
    teacher = client_for(member(district.school_a, Role.TEACHER).user, district.host(district.school_a))
    assert teacher.get(f"/diagnostics/bank/images/{image.pk}/").status_code == 200
    outsider = client_for(methodologist(district.school_b), district.host(district.school_a))
    assert outsider.get(f"/diagnostics/bank/images/{image.pk}/").status_code == 404


def test_a_program_named_png_is_refused_and_nothing_is_stored(district: District, _media_root: Any) -> None:
    with tenant_context(district.centre):
        admin = methodologist(district.centre)
        item = make_item(actor=admin, codifier=bank_codifier())
    client = client_for(admin, district.host(district.centre))
    fake = SimpleUploadedFile("graph.png", b"MZ\x90\x00" + b"\x00" * 100)
    response = client.post(f"/diagnostics/bank/items/{item.pk}/images/", {"image": fake}, follow=True)
    assert 'class="error"' in response.content.decode() and "graph.png" in response.content.decode()
    pdf = SimpleUploadedFile("graph.pdf", b"%PDF-1.4\n%%EOF\n")
    response = client.post(f"/diagnostics/bank/items/{item.pk}/images/", {"image": pdf}, follow=True)
    assert 'class="error"' in response.content.decode() and "graph.pdf" in response.content.decode()
    with tenant_context(district.centre):
        assert not ItemImage.objects.filter(item=item).exists()
    assert not list(_media_root.rglob("*.png"))


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("/diagnostics/bank/images/12/", True),
        ("/api/diagnostics/bank/images/12/", True),
        ("@@PLUGINFILE@@/graph.png", True),
        ("/casebank/files/12/", False),  # the case bank's attachment is not the bank's picture
        ("/diagnostics/bank/images/12/../../x/", False),
        ("@@PLUGINFILE@@/../x.png", False),
        ("https://tracker.example/p.png", False),
    ],
)
def test_item_text_keeps_only_the_question_banks_own_image_sources(source: str, kept: bool) -> None:
    cleaned = sanitise_item_html(f'<p><img src="{source}" alt="график"></p>')
    assert cleaned == (f'<p><img src="{source}" alt="график"></p>' if kept else '<p><img alt="график"></p>')


@pytest.mark.parametrize("source", ["/diagnostics/bank/images/12/", "@@PLUGINFILE@@/graph.png"])
def test_the_case_bank_does_not_take_the_question_banks_sources(source: str) -> None:
    assert sanitise_html(f'<p><img src="{source}" alt="x"></p>') == '<p><img alt="x"></p>'
