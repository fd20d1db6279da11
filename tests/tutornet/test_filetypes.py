"""The one file sniffer (``tutornet.filetypes``): content decides, and a zip bomb is nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from casebank import files as casebank_files
from consultations.help_hour import files as help_hour_files
from tutornet import filetypes


def _zip(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def _docx(extra: dict[str, bytes] | None = None) -> io.BytesIO:
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>", **(extra or {})})


def test_a_real_docx_is_a_docx_for_both_the_bank_and_the_help_hour() -> None:
    assert filetypes.detect(_docx()) is filetypes.DOCX
    assert casebank_files._detect(_docx()) is filetypes.DOCX
    assert help_hour_files.detect_kind(_docx()) == "docx"


@pytest.mark.parametrize("who", ["sniffer", "casebank", "help_hour"])
def test_an_archive_claiming_too_much_unpacked_is_refused_by_both(
    who: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lower limit keeps the test small; zeros compress about 1000:1, like a real bomb.
    monkeypatch.setattr(filetypes, "MAX_UNPACKED_BYTES", 100_000)
    assert filetypes.detect(_docx({"padding.bin": b"\0" * 90_000})) is filetypes.DOCX
    bomb = _docx({"padding.bin": b"\0" * 100_001})
    detect = {
        "sniffer": filetypes.detect,
        "casebank": casebank_files._detect,
        "help_hour": help_hour_files.detect_kind,
    }[who]
    assert detect(bomb) is None


def test_a_renamed_program_and_a_bare_zip_are_nothing() -> None:
    assert filetypes.detect(io.BytesIO(b"MZ\x90\x00" + b"\0" * 100)) is None
    assert filetypes.detect(_zip({"word/document.xml": b"<w:document/>"})) is None  # no content types
