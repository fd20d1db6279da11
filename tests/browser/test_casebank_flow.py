"""In real Chromium against the live stack: a teacher at school A writes a material with a PDF
and a picture put in by the editor's image button (with its description), and submits it to the
district; a methodologist publishes it; a teacher at school B finds it on the centre's site with a
stemmed Russian query with a typo, opens it (the picture shown from the centre's own copy), downloads
the file and rates it, by keyboard alone."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import tenant_context
from PIL import Image

from accounts.models import Role
from casebank.models import Material, Rating, Status
from tests.browser.test_keyboard_walk import (
    arrow_to,
    choose_file,
    press_on,
    sign_in_by_keyboard,
    tab_to,
    type_into,
)
from tests.conftest import District, LiveStack, member
from tests.factories import unique

pytestmark = [pytest.mark.browser, pytest.mark.live]

SCHOOL_A = "school1.localhost"
CENTRE = "centre.localhost"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ALT = "Единичная окружность с отмеченным углом"
# A picture shown on the page: served by our site (portal.pictures), loaded whole.
SHOWN = "(img) => img.complete && img.naturalWidth > 0"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 8), (40, 90, 160)).save(out, format="PNG")
    return out.getvalue()


# With the base domain `localhost` the session cookie is host-only: sign in on each host used.
_sign_in = sign_in_by_keyboard


def test_a_material_written_at_one_school_is_moderated_found_with_a_typo_downloaded_and_rated_at_another(
    committed_db: None, live_stack: LiveStack, district: District, browser: Any, tmp_path: Path
) -> None:
    author = member(district.school_a, Role.TEACHER, last_name="Авторова", first_name="Мария").user
    methodologist = member(district.centre, Role.METHODOLOGIST).user
    reader = member(district.school_b, Role.TEACHER).user
    marker = unique("метка")
    title = f"Кейс: задачи по тригонометрии для 10 класса ({marker})"

    # School A: the author writes the material with a PDF, then submits it to the district bank.
    page = browser.new_context(locale="ru-RU").new_page()
    _sign_in(page, live_stack, SCHOOL_A, author.email)
    # By keyboard alone (issue 14), every stop with its focus visible.
    press_on(page, "#casebank-card h3 a")
    assert page.url.endswith("/casebank/")
    page.goto(live_stack.url(SCHOOL_A, "/casebank/new/"))
    type_into(page, "#material-form input[name=title]", title)
    type_into(page, "#material-form textarea[name=abstract]", "Подборка задач по тригонометрии с решениями.")
    # The text is written in the rich-text editor (Quill) that replaces the textarea.
    type_into(page, "#material-form .ql-editor", "Разбираем тригонометрические уравнения.")
    # The toolbar's image button (reached by Shift+Tab from the text, pressed with Enter): choose a
    # PNG, it is uploaded to our site, then the editor asks for its description (window.prompt)
    # and puts it in as the image's alt.
    page.once("dialog", lambda dialog: dialog.accept(ALT))
    # A listener switches Playwright's chooser interception on; it is sent without waiting for
    # an answer, so do it before the key press (a press, unlike a click, does not wait for it).
    page.on("filechooser", lambda _chooser: None)
    tab_to(page, ".ql-toolbar button.ql-image", backwards=True)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(files=[{"name": "круг.png", "mimeType": "image/png", "buffer": _png()}])
    page.wait_for_selector(f".ql-editor img[alt='{ALT}']")
    type_into(page, "#material-form input[name=topics]", "тригонометрия, уравнения")
    tab_to(page, "#material-form input[name=grades][value='10']")
    page.keyboard.press("Space")
    attachment = tmp_path / "тригонометрия.pdf"
    attachment.write_bytes(PDF)
    choose_file(page, "#material-form input[name=attachments]", str(attachment))  # Space opens it
    press_on(page, "#material-form button[type=submit]")
    assert "тригонометрия.pdf" in page.content()
    picture = page.locator(f".material-body img[alt='{ALT}']")
    assert re.fullmatch(r"/portal/images/\d+/", picture.get_attribute("src") or "")
    assert picture.evaluate(SHOWN)
    press_on(page, "form.submit-district button")
    assert page.locator(".district-status").count() == 1
    with tenant_context(district.school_a):
        own = Material.objects.get(title=title)
    assert own.district_copy_id
    # Saved through the server's sanitiser: our own address, the description, nothing else.
    assert re.search(rf'<img src="/portal/images/\d+/" alt="{ALT}">', own.body), own.body

    # The centre: a methodologist publishes it from the moderation queue.
    moderator = browser.new_context(locale="ru-RU").new_page()
    _sign_in(moderator, live_stack, CENTRE, methodologist.email)
    moderator.goto(live_stack.url(CENTRE, "/casebank/moderation/"))
    item = f"li[data-material-id='{own.district_copy_id}']"
    assert title in moderator.locator(item).inner_text()
    tab_to(moderator, f"{item} button[value=publish]")  # by keyboard as well
    with moderator.expect_navigation():
        moderator.keyboard.press("Enter")
    with tenant_context(district.centre):
        copy = Material.objects.get(pk=own.district_copy_id)
        assert copy.status == Status.PUBLISHED

    # School B's teacher on the centre's site: another inflection and a typo still find it.
    finder = browser.new_context(locale="ru-RU", accept_downloads=True).new_page()
    _sign_in(finder, live_stack, CENTRE, reader.email)
    press_on(finder, "#casebank-card h3 a")
    assert finder.url.endswith("/casebank/")
    # From here on by keyboard alone (focus visible at every stop): search, open, download, rate.
    type_into(finder, "input[name=q]", "задача по тригономитрии")
    with finder.expect_navigation():
        finder.keyboard.press("Enter")
    assert finder.locator(".did-you-mean").count() == 1
    hit = finder.locator(f"li[data-material-id='{copy.pk}']")
    assert hit.locator("mark").count() >= 1
    press_on(finder, f"li[data-material-id='{copy.pk}'] h3 a")
    assert "Авторова" in finder.locator(".authors").inner_text()
    assert district.school_a.name in finder.locator(".origin").inner_text()
    # The district copy shows the centre's copy of the picture, with its description.
    assert finder.locator(f".material-body img[alt='{ALT}']").evaluate(SHOWN)

    tab_to(finder, "a.download")
    with finder.expect_download() as info:
        finder.keyboard.press("Enter")
    saved = tmp_path / "downloaded.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    tab_to(finder, "form.rating select[name=score]")
    assert finder.evaluate("() => document.activeElement.value") == ""  # nothing pre-chosen
    arrow_to(finder, "5")
    press_on(finder, "form.rating button")
    assert "★ 5" in finder.locator(".rating-summary").inner_text()
    with tenant_context(district.centre):
        assert Rating.objects.get(material=copy, user=reader).score == 5
        copy.refresh_from_db()
        assert copy.download_count == 1
