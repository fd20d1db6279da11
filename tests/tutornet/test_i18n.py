"""Russian by default, English on request; every message translated and compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from tests.conftest import District, client_for

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries(text: str) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for each entry of a .po file, header excluded."""
    entries = []
    for block in text.split("\n\n"):
        if "msgid" not in block:
            continue
        fuzzy = "#, fuzzy" in block or re.search(r"#,.*fuzzy", block) is not None
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgid ")[1].split("msgstr")[0].split("msgid_plural")[0]))
        strs = ["".join(re.findall(r'"(.*)"', part.split("\nmsgstr")[0])) for part in re.split(r"msgstr(?:\[\d\])? ", block)[1:]]
        if msgid:
            entries.append((msgid, strs, fuzzy))
    return entries


def test_every_message_has_a_russian_translation() -> None:
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 100
    untranslated = [msgid for msgid, strs, fuzzy in entries if fuzzy or not all(strs)]
    assert untranslated == []


def test_compiled_translations_are_shipped_and_current() -> None:
    assert MO.exists()
    assert MO.stat().st_mtime >= PO.stat().st_mtime - 1


def test_services_speak_russian_by_default() -> None:
    with translation.override("ru"):
        assert translation.gettext("You do not have permission to do this.") != "You do not have permission to do this."


@pytest.mark.django_db
def test_pages_are_russian_by_default_and_english_on_request(district: District) -> None:
    client = client_for(None, "school1.localhost")
    russian = client.get("/accounts/login/").content.decode()
    assert 'lang="ru"' in russian and "Войти" in russian
    client.cookies["django_language"] = "en"
    english = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in english and "Sign in" in english
