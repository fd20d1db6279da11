"""Files saved inside a transaction are removed when it rolls back (``tutornet.stored_files``):
the one mechanism the case bank, the Help Hour and the portal's pictures share."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image
from portal.models import EditorImage, ProfilePhoto
from portal.pictures import editor_image_upload, photo_set

from accounts.models import Role
from tests.conftest import District, member
from tutornet.stored_files import file_save, files_removed_on_rollback

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def png() -> io.BytesIO:
    stream = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(stream, "PNG")
    stream.seek(0)
    return stream


def unsaved_picture(district: District) -> EditorImage:
    return EditorImage(organisation=district.centre, content_type="image/png", width=1, height=1, size=1)


def test_files_of_a_block_that_fails_are_removed_and_those_of_one_that_succeeds_stay(
    district: District, _media_root: Path
) -> None:
    kept = unsaved_picture(district)
    with files_removed_on_rollback():
        file_save(kept.file, "kept.png", ContentFile(b"kept"))
    lost = unsaved_picture(district)
    with pytest.raises(Refused), files_removed_on_rollback():
        file_save(lost.file, "lost.png", ContentFile(b"lost"))
        raise Refused
    assert stored(_media_root) == [Path(kept.file.path)]


def test_an_inner_block_that_succeeded_hands_its_files_to_the_outer_one(
    district: District, _media_root: Path
) -> None:
    outer, inner = unsaved_picture(district), unsaved_picture(district)
    with pytest.raises(Refused), files_removed_on_rollback():
        file_save(outer.file, "outer.png", ContentFile(b"outer"))
        with files_removed_on_rollback():
            file_save(inner.file, "inner.png", ContentFile(b"inner"))
        assert len(stored(_media_root)) == 2
        raise Refused
    assert stored(_media_root) == []


def test_a_portal_picture_is_removed_when_the_callers_transaction_rolls_back(
    district: District, _media_root: Path
) -> None:
    # The services' own blocks nest in a caller's: an outer rollback after a successful upload
    # leaves no picture file behind (before, only a failure inside the service did).
    tutor = member(district.centre, Role.TUTOR).user
    with pytest.raises(Refused), files_removed_on_rollback(), transaction.atomic():
        photo_set(user=tutor, organisation=district.centre, upload=png())
        editor_image_upload(actor=tutor, organisation=district.centre, upload=png())
        assert len(stored(_media_root)) == 2
        raise Refused
    assert stored(_media_root) == []
    assert not ProfilePhoto.objects.filter(user=tutor).exists()
