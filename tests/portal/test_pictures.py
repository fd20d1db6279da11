"""Pictures people upload (portal.pictures): a tutor's photo on their page and in the week of
slots, and the pictures the rich-text editor puts into a case material.  Each is judged by its
content, re-encoded, size-limited, and served only to those who may see it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tenants.utils import tenant_context
from PIL import Image
from portal.models import EditorImage, ProfilePhoto

from accounts.models import Role
from casebank.services.common import sanitise_html
from tests.conftest import District, client_for, member

from .helpers import slot_in, soon

pytestmark = pytest.mark.django_db

CENTRE, SCHOOL_A, SCHOOL_B = "centre.localhost", "school1.localhost", "school2.localhost"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def _russian() -> Any:
    # The pages speak the person's language, Russian first: messages are asserted as people read them.
    with translation.override("ru"):
        yield


def picture(
    kind: str = "PNG", size: tuple[int, int] = (900, 600), name: str = "face.png"
) -> SimpleUploadedFile:
    stream = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(stream, kind)
    return SimpleUploadedFile(name, stream.getvalue(), content_type="image/png")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


# --- a tutor's photo -------------------------------------------------------------------------


def test_a_tutor_uploads_a_photo_and_it_is_stored_square_on_their_page_and_beside_their_slots(
    district: District, _media_root: Path
) -> None:
    tutor = member(district.centre, Role.TUTOR).user
    slot = slot_in(district.centre, soon(days=2), tutor=tutor)
    response = client_for(tutor, CENTRE).post("/my/photo/", {"photo": picture(size=(900, 600))})
    assert response.status_code == 302

    photo = ProfilePhoto.objects.get(user=tutor)
    assert (photo.width, photo.height) == (400, 400)
    assert photo.file.name.startswith(f"{district.centre.schema_name}/profile-photos/")
    with Image.open(photo.file.path) as stored:
        assert stored.format == "JPEG" and stored.size == (400, 400)

    teacher = member(district.school_a).user
    viewer = client_for(teacher, CENTRE)
    page = viewer.get(f"/tutors/{tutor.pk}/").content.decode()
    assert f'src="/tutors/{tutor.pk}/photo/?v=' in page
    served = viewer.get(f"/tutors/{tutor.pk}/photo/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, max-age=3600"
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8\xff")

    week = viewer.get(f"/consultations/?week={slot.starts_at.date().isoformat()}").content.decode()
    assert f'class="tutor-photo" src="/tutors/{tutor.pk}/photo/' in week


def test_a_file_that_is_not_a_picture_is_refused_with_a_clear_message_and_nothing_is_written(
    district: District, _media_root: Path
) -> None:
    tutor = member(district.centre, Role.TUTOR).user
    client = client_for(tutor, CENTRE)
    renamed = SimpleUploadedFile("face.png", b"%PDF-1.7\n" + b"x" * 200, content_type="image/png")
    damaged = SimpleUploadedFile("face.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, content_type="image/png")

    first = client.post("/my/photo/", {"photo": renamed}, follow=True).content.decode()
    second = client.post("/my/photo/", {"photo": damaged}, follow=True).content.decode()

    assert "По содержимому этот файл — PDF, а не изображение" in first
    assert "Не удалось прочитать изображение" in second
    assert not ProfilePhoto.objects.filter(user=tutor).exists()
    assert stored_files(_media_root) == []


def test_a_photo_over_the_size_limit_is_refused_before_anything_is_written(
    district: District, settings: Any, _media_root: Path
) -> None:
    settings.PORTAL_MAX_PHOTO_BYTES = 1024
    tutor = member(district.centre, Role.TUTOR).user
    page = client_for(tutor, CENTRE).post("/my/photo/", {"photo": picture()}, follow=True).content.decode()
    assert "допускается не больше 0.0 МБ" in page
    assert stored_files(_media_root) == []


def test_a_new_photo_replaces_the_old_file_and_a_teacher_cannot_set_one(
    district: District, _media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    tutor = member(district.centre, Role.TUTOR).user
    client = client_for(tutor, CENTRE)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my/photo/", {"photo": picture()})
    first = ProfilePhoto.objects.get(user=tutor).file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my/photo/", {"photo": picture("JPEG", (300, 500), "me.jpg")})
    assert ProfilePhoto.objects.get(user=tutor).file.name != first
    assert [p.name for p in stored_files(_media_root)] == [
        Path(ProfilePhoto.objects.get(user=tutor).file.name).name
    ]

    teacher = member(district.school_a).user
    page = (
        client_for(teacher, SCHOOL_A).post("/my/photo/", {"photo": picture()}, follow=True).content.decode()
    )
    assert "Фотография в профиле есть только у тьюторов" in page
    assert not ProfilePhoto.objects.filter(user=teacher).exists()


def test_a_tutors_photo_is_not_served_to_another_districts_school_nor_on_another_schools_site(
    district: District,
) -> None:
    school_tutor = member(district.school_a, Role.TUTOR).user
    client_for(school_tutor, SCHOOL_A).post("/my/photo/", {"photo": picture()})
    assert ProfilePhoto.objects.filter(user=school_tutor).exists()

    colleague = member(district.school_a).user
    outsider = member(district.school_b).user
    assert client_for(colleague, SCHOOL_A).get(f"/tutors/{school_tutor.pk}/photo/").status_code == 200
    # School 2's teacher: no standing at school 1, and school 1's tutor is no tutor of school 2.
    assert client_for(outsider, SCHOOL_A).get(f"/tutors/{school_tutor.pk}/photo/").status_code in (302, 404)
    assert client_for(outsider, SCHOOL_B).get(f"/tutors/{school_tutor.pk}/photo/").status_code == 404
    assert client_for(None, SCHOOL_A).get(f"/tutors/{school_tutor.pk}/photo/").status_code == 302


def test_the_week_of_slots_reads_every_tutors_photo_in_one_query(district: District) -> None:
    teacher = member(district.school_a).user
    tutors = [member(district.centre, Role.TUTOR).user for _ in range(3)]
    for tutor in tutors:
        slot_in(district.centre, soon(days=2), tutor=tutor)
        client_for(tutor, CENTRE).post("/my/photo/", {"photo": picture()})
    client = client_for(teacher, CENTRE)
    week = soon(days=2).date().isoformat()
    client.get(f"/consultations/?week={week}")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/consultations/?week={week}").content.decode()
    assert all(f"/tutors/{t.pk}/photo/" in page for t in tutors)
    assert len([q for q in queries.captured_queries if "portal_profilephoto" in q["sql"]]) == 1


# --- pictures in rich text -------------------------------------------------------------------


def test_an_editor_picture_is_uploaded_kept_by_the_sanitiser_and_served_to_the_schools_people(
    district: District, _media_root: Path
) -> None:
    author = member(district.school_a).user
    client = client_for(author, SCHOOL_A)
    response = client.post("/portal/images/", {"image": picture(size=(3200, 1000))})
    assert response.status_code == 201
    url = response.json()["url"]
    image = EditorImage.objects.get(organisation=district.school_a)
    assert url == f"/portal/images/{image.pk}/"
    assert (image.width, image.height) == (1600, 500)
    assert image.file.name.startswith(f"{district.school_a.schema_name}/editor-images/")

    body = sanitise_html(
        f'<p>См. схему</p><img src="{url}" alt="Схема"><img src="https://tracker.example/p.gif">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
    )
    assert f'<img src="{url}" alt="Схема">' in body
    assert "tracker.example" not in body and "data:image" not in body

    colleague = member(district.school_a).user
    served = client_for(colleague, SCHOOL_A).get(url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8\xff")


def test_another_schools_user_cannot_fetch_an_editor_picture(district: District) -> None:
    author = member(district.school_a).user
    url = client_for(author, SCHOOL_A).post("/portal/images/", {"image": picture()}).json()["url"]
    outsider = member(district.school_b).user
    assert client_for(outsider, SCHOOL_B).get(url).status_code == 404
    assert client_for(outsider, SCHOOL_A).get(url).status_code in (302, 404)
    assert client_for(None, SCHOOL_A).get(url).status_code == 302


def test_a_bad_editor_upload_is_a_400_naming_the_problem_and_writes_nothing(
    district: District, _media_root: Path
) -> None:
    author = member(district.school_a).user
    client = client_for(author, SCHOOL_A)
    program = SimpleUploadedFile("picture.png", b"MZ" + b"\x00" * 300)
    response = client.post("/portal/images/", {"image": program})
    assert response.status_code == 400
    assert "а не изображение" in response.json()["error"]
    assert client.post("/portal/images/", {}).status_code == 400
    outsider = member(district.school_b).user
    refused = client_for(outsider, SCHOOL_A).post("/portal/images/", {"image": picture()})
    assert refused.status_code in (302, 403)
    assert not EditorImage.objects.exists()
    assert stored_files(_media_root) == []


def test_a_centres_editor_picture_is_read_by_its_schools_people(district: District) -> None:
    methodologist = member(district.centre, Role.METHODOLOGIST).user
    url = client_for(methodologist, CENTRE).post("/portal/images/", {"image": picture()}).json()["url"]
    teacher = member(district.school_b).user
    assert client_for(teacher, CENTRE).get(url).status_code == 200
    with tenant_context(district.school_b):
        assert client_for(teacher, SCHOOL_B).get(url).status_code == 404


def test_a_picture_in_a_material_sent_to_the_district_is_copied_to_the_centre_and_served_there(
    district: District,
) -> None:
    from casebank import services as casebank_services
    from casebank.models import Material

    author = member(district.school_a).user
    school = client_for(author, SCHOOL_A)
    url = school.post("/portal/images/", {"image": picture()}).json()["url"]
    with tenant_context(district.school_a):
        own = casebank_services.material_create(
            actor=author, title="Кейс с рисунком", body=f'<p>Схема:</p><img src="{url}" alt="Схема">'
        )
        copy = casebank_services.material_submit(material=own, actor=author)
    with tenant_context(district.centre):
        body = Material.objects.get(pk=copy.pk).versions.get().body
    copied = EditorImage.objects.get(organisation=district.centre)
    assert f'<img src="/portal/images/{copied.pk}/" alt="Схема">' in body
    assert url not in body
    # The district's readers fetch the centre's copy on the centre's site; the school's own
    # picture stays the school's.
    reader = member(district.school_b).user
    assert client_for(reader, CENTRE).get(f"/portal/images/{copied.pk}/").status_code == 200
    assert client_for(reader, SCHOOL_B).get(url).status_code == 404
