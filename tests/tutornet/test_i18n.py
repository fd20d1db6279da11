"""Russian by default, English on request; every message translated and compiled."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from django.utils import translation

from accounts.models import Role
from tests.conftest import District, client_for, member

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
        msgid = "".join(
            re.findall(r'"(.*)"', block.split("msgid ")[1].split("msgstr")[0].split("msgid_plural")[0])
        )
        strs = [
            "".join(re.findall(r'"(.*)"', part.split("\nmsgstr")[0]))
            for part in re.split(r"msgstr(?:\[\d\])? ", block)[1:]
        ]
        if msgid:
            entries.append((msgid, strs, fuzzy))
    return entries


def test_every_message_has_a_russian_translation() -> None:
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 100
    untranslated = [msgid for msgid, strs, fuzzy in entries if fuzzy or not all(strs)]
    assert untranslated == []


def test_compiled_translations_are_shipped_and_current() -> None:
    """The .mo holds exactly the .po's translations (file times are equal after a checkout)."""
    import polib

    assert MO.exists()

    def translations(catalogue: polib._BaseFile) -> dict[tuple[str, str], object]:
        return {
            (entry.msgctxt or "", entry.msgid): entry.msgstr_plural or entry.msgstr
            for entry in catalogue
            if not entry.obsolete and "fuzzy" not in entry.flags
        }

    po, mo = translations(polib.pofile(str(PO))), translations(polib.mofile(str(MO)))
    assert {k: v for k, v in po.items() if mo.get(k) != v} == {}, "run compilemessages"
    assert set(mo) == set(po)


def test_services_speak_russian_by_default() -> None:
    """In a thread where no language was ever activated (a Celery task, a command)."""
    said: list[str] = []
    thread = threading.Thread(
        target=lambda: said.append(translation.gettext("You do not have permission to do this."))
    )
    thread.start()
    thread.join()
    assert said == ["У вас нет прав на это действие."]


@pytest.mark.django_db
def test_pages_are_russian_by_default_and_english_on_request(district: District) -> None:
    client = client_for(None, "school1.localhost")
    russian = client.get("/accounts/login/").content.decode()
    assert 'lang="ru"' in russian and "Войти" in russian
    client.cookies["django_language"] = "en"
    english = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in english and "Sign in" in english


PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdfi]|\{\{\s*(\w+)\s*\}\}")
RUSSIAN_PLURAL = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)


def _unquote(lines: str) -> str:
    return "".join(re.findall(r'"(.*)"', lines)).replace('\\"', '"').replace("\\n", "\n")


def _full_entries(text: str) -> list[dict[str, object]]:
    """Every entry with msgid, msgid_plural and all msgstr forms, header excluded."""
    entries = []
    for block in text.split("\n\n"):
        fields = re.split(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) ", block, flags=re.M)[1:]
        parts = dict(zip(fields[0::2], (_unquote(v) for v in fields[1::2]), strict=True))
        if parts.get("msgid"):
            entries.append(parts)
    return entries


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_translations_keep_every_placeholder() -> None:
    broken = []
    for entry in _full_entries(PO.read_text(encoding="utf-8")):
        expected = _placeholders(str(entry["msgid"])) | _placeholders(str(entry.get("msgid_plural", "")))
        for key, value in entry.items():
            if key.startswith("msgstr") and _placeholders(str(value)) != expected:
                broken.append((entry["msgid"], key, value))
    assert broken == []


def test_header_declares_russian_with_three_plural_forms() -> None:
    header = _unquote(PO.read_text(encoding="utf-8").split("\n\n")[0].split("msgstr", 1)[1])
    assert "Language: ru\n" in header
    assert "charset=UTF-8" in header
    assert f"Plural-Forms: {RUSSIAN_PLURAL}" in header.replace("\n", "")
    for entry in _full_entries(PO.read_text(encoding="utf-8")):
        if "msgid_plural" in entry:
            assert {k for k in entry if k.startswith("msgstr")} == {"msgstr[0]", "msgstr[1]", "msgstr[2]"}


def test_counted_messages_agree_with_the_number_in_russian() -> None:
    singular, plural = (
        "The file was imported: %(count)s invitation sent.",
        "The file was imported: %(count)s invitations sent.",
    )
    with translation.override("ru"):
        said = {
            n: translation.ngettext(singular, plural, n) % {"count": n}
            for n in (1, 3, 5, 11, 21, 22, 25, 112)
        }
    assert said[1].endswith("1 приглашение.") and said[21].endswith("21 приглашение.")
    assert said[3].endswith("3 приглашения.") and said[22].endswith("22 приглашения.")
    assert all(said[n].endswith(f"{n} приглашений.") for n in (5, 11, 25, 112))


def test_the_domain_speaks_the_glossary_words() -> None:
    with translation.override("ru"):
        assert translation.gettext("Tutornet") == "Тьюторская сеть"
        assert [str(r.label) for r in Role] == [
            "Учитель",
            "Тьютор",
            "Методист",
            "Администратор школы",
            "Администратор центра",
        ]
        assert translation.gettext("Education development centre") == "Центр развития образования"
        assert translation.pgettext("person", "Name") == "ФИО"
        assert translation.gettext("Name") == "Название"


@pytest.mark.django_db
def test_an_administrator_page_is_entirely_russian(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    page = client_for(admin, "school1.localhost").get("/staff/").content.decode()
    for word in ("Сотрудники", "ФИО", "Роль", "Пригласить одного человека", "Отправить приглашение", "Выйти"):
        assert word in page
    for english in ("Staff", "Sign out", "Send the invitation", "Members", "Pending invitations"):
        assert f">{english}<" not in page
