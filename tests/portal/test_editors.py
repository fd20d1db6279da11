"""The case-material form's editors: vendored (no CDN) with their licences, wired by data
attributes (no inline script), and the server still sanitises what the editor writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from casebank.services.common import sanitise_html
from tests.conftest import District, client_for, member

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor"


def test_the_editors_are_vendored_with_their_licences_and_no_source_map_references() -> None:
    for library, files in {
        "quill": ("quill.js", "quill.snow.css", "LICENSE"),
        "tom-select": ("tom-select.complete.min.js", "tom-select.default.min.css", "LICENSE"),
    }.items():
        for name in files:
            path = VENDOR / library / name
            assert path.stat().st_size > 1000 or name == "LICENSE", path
            if name != "LICENSE":
                assert "sourceMappingURL" not in path.read_text(encoding="utf-8")
    assert (
        "BSD" in (VENDOR / "quill" / "LICENSE").read_text()
        or "Redistribution" in (VENDOR / "quill" / "LICENSE").read_text()
    )
    assert "Apache License" in (VENDOR / "tom-select" / "LICENSE").read_text()


def test_the_editor_output_is_still_sanitised_and_images_get_a_description() -> None:
    written = (
        '<p>План</p><script>alert(1)</script><img src="/casebank/files/7/" onerror="x()">'
        '<img src="/casebank/files/8/" alt="Схема урока">'
        "<table><tbody><tr><td>1</td></tr></tbody></table>"
    )
    clean = sanitise_html(written)
    assert "<script" not in clean and "onerror" not in clean
    assert '<img alt="" src="/casebank/files/7/">' in clean
    assert 'alt="Схема урока"' in clean and clean.count("alt=") == 2
    assert "<table>" in clean


@pytest.mark.django_db
def test_the_material_form_loads_the_local_editors_without_inline_scripts(district: District) -> None:
    author = member(district.school_a).user
    page = client_for(author, "school1.localhost").get("/casebank/new/").content.decode()
    assert "/static/vendor/quill/quill.js" in page and "/static/js/editors.js" in page
    assert "data-rich-text" in page and "data-tags" in page
    assert "https://cdn" not in page and "//cdn" not in page
    head = page[: page.index("</head>")]
    assert "<script>" not in head and "<script>" not in page  # every script has a src
    assert "Ctrl" not in page


@pytest.mark.django_db
def test_a_tutorial_description_is_written_in_the_same_editor_and_keeps_only_own_pictures(
    district: District,
) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from tests.tutorials.factories import organiser_in
    from tutorials.models import Tutorial

    with tenant_context(district.centre):
        tutor = organiser_in(district.centre)
    client = client_for(tutor.user, district.host(district.centre))
    page = client.get("/tutorials/new/").content.decode()
    assert "/static/js/editors.js" in page and "/static/vendor/quill/quill.js" in page
    assert re.search(r'<textarea[^>]*name="description"[^>]*data-rich-text', page) or re.search(
        r'<textarea[^>]*data-rich-text[^>]*name="description"', page
    )
    day = (timezone.now() + timedelta(days=10)).date().isoformat()
    response = client.post(
        "/tutorials/new/",
        {
            "kind": "seminar",
            "title": "Семинар с картинкой",
            "description": '<p>План</p><img src="/portal/images/12/"><img src="http://evil.example/p.gif">'
            "<script>x()</script>",
            "date": day,
            "start": "15:00",
            "end": "16:00",
            "format": "in_person",
            "place": "ЦРО",
            "capacity": "20",
            "hours": "1",
            "audience_all": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(district.centre):
        description = Tutorial.objects.get(title="Семинар с картинкой").description
    assert '<img alt="" src="/portal/images/12/">' in description
    assert "evil.example" not in description and "<script" not in description
