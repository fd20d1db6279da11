"""The case-bank REST API per role: search, materials, moderation, engagement, files, isolation."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from accounts.models import Role, User
from casebank import services
from casebank.models import Attachment, Material, Status
from tests.conftest import District, member
from tests.factories import unique

from .factories import district_material, material, pdf_file

pytestmark = pytest.mark.django_db

SCHOOL_A = "school1.localhost"
SCHOOL_B = "school2.localhost"
CENTRE = "centre.localhost"


def staff(organisation: object, role: str = Role.TEACHER) -> User:
    return member(organisation, role, language="en").user  # type: ignore[arg-type]


def api(user: User | None, host: str) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    if user is not None:
        client.force_authenticate(user)
    return client


def test_search_returns_highlighted_hits_with_filters_and_a_corrected_query(district: District) -> None:
    author = staff(district.school_a)
    word = unique("Кейс")
    material(district.school_a, author, title=f"{word}: задачи по математике", grades=[7], topics=["дроби"])
    client = api(staff(district.school_a), SCHOOL_A)
    response = client.get("/api/casebank/search/", {"q": "кейсы по математике", "grade": 7, "topic": "дроби"})
    assert response.status_code == 200
    titles = [hit["title_html"] for hit in response.json()["results"]]
    assert any(word.split("-")[1] in t and "<mark>математике</mark>" in t for t in titles)
    typo = client.get("/api/casebank/search/", {"q": "математеке", "topic": "дроби"}).json()
    assert typo["corrected_query"] == "математике" and typo["count"] >= 1
    assert client.get("/api/casebank/search/", {"sort": "loudest"}).status_code == 400


def test_a_teacher_creates_a_draft_with_a_file_edits_it_and_publishes_it_in_the_school(
    district: District,
) -> None:
    teacher = staff(district.school_a)
    client = api(teacher, SCHOOL_A)
    response = client.post(
        "/api/casebank/materials/",
        {
            "title": "Кейс по API",
            "kind": "lesson_plan",
            "grades": [5, 6],
            "topics": ["дроби"],
            "files": [pdf_file()],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == Status.DRAFT and body["grades"] == [5, 6]
    assert body["attachments"][0]["name"] == "plan.pdf"
    pk = body["id"]
    patched = client.patch(f"/api/casebank/materials/{pk}/", {"title": "Кейс по API, правка"}, format="json")
    assert patched.status_code == 200 and patched.json()["title"] == "Кейс по API, правка"
    published = client.post(f"/api/casebank/materials/{pk}/publish-in-school/")
    assert published.status_code == 200 and published.json()["status"] == Status.PUBLISHED
    assert pk in [m["id"] for m in client.get("/api/casebank/materials/").json()["results"]]


def test_a_wrong_field_is_a_400_naming_it(district: District) -> None:
    client = api(staff(district.school_a), SCHOOL_A)
    response = client.post("/api/casebank/materials/", {"title": "Кейс", "grades": [12]}, format="json")
    assert response.status_code == 400
    assert "grades" in response.json()
    refused = client.post(
        "/api/casebank/materials/", {"title": "Кейс", "files": [pdf_file("plan.docx")]}, format="multipart"
    )
    assert refused.status_code == 400 and "attachments" in refused.json()


def test_only_the_authors_edit_through_the_api(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author)
    response = api(staff(district.school_a), SCHOOL_A).patch(
        f"/api/casebank/materials/{own.pk}/", {"title": "Чужая правка"}, format="json"
    )
    assert response.status_code == 403
    with tenant_context(district.school_a):
        own.refresh_from_db()
        assert own.title != "Чужая правка"


def test_a_school_only_material_is_404_for_another_school_in_the_api(district: District) -> None:
    author = staff(district.school_a)
    title = unique("Секретный кейс")
    own = material(district.school_a, author, title=title, files=[pdf_file()])
    with tenant_context(district.school_a):
        attachment = Attachment.objects.get(version__material=own)
    outsider = staff(district.school_b)
    on_a = api(outsider, SCHOOL_A)
    assert on_a.get(f"/api/casebank/materials/{own.pk}/").status_code == 404
    assert on_a.get(f"/api/casebank/materials/{own.pk}/versions/1/").status_code == 404
    assert on_a.get(f"/api/casebank/files/{attachment.pk}/").status_code == 404
    assert on_a.get("/api/casebank/search/", {"q": title}).status_code == 403
    for host in (SCHOOL_B, CENTRE):
        client = api(outsider, host)
        assert client.get("/api/casebank/search/", {"q": title}).json()["count"] == 0
        assert client.get(f"/api/casebank/files/{attachment.pk}/").status_code == 404
    assert api(None, SCHOOL_A).get(f"/api/casebank/materials/{own.pk}/").status_code == 401


def test_submit_then_only_a_methodologist_moderates_through_the_api(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, title=unique("Кейс API модерация"))
    submitted = api(author, SCHOOL_A).post(f"/api/casebank/materials/{own.pk}/submit/")
    assert submitted.status_code == 200
    copy_id = submitted.json()["district_material_id"]
    for outsider in (staff(district.centre, Role.TUTOR), staff(district.school_b), author):
        client = api(outsider, CENTRE)
        assert client.get("/api/casebank/moderation/").status_code == 403
        assert client.post(f"/api/casebank/materials/{copy_id}/publish/").status_code in (403, 404)
    methodologist = api(staff(district.centre, Role.METHODOLOGIST), CENTRE)
    queue = methodologist.get("/api/casebank/moderation/").json()["results"]
    assert copy_id in [item["material_id"] for item in queue]
    empty = methodologist.post(f"/api/casebank/materials/{copy_id}/return/", {"comment": ""}, format="json")
    assert empty.status_code == 400
    returned = methodologist.post(
        f"/api/casebank/materials/{copy_id}/return/", {"comment": "Уточните цели"}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["status"] == Status.RETURNED
    again = methodologist.post(f"/api/casebank/materials/{copy_id}/publish/")
    assert again.status_code == 409  # nothing awaits moderation now
    api(author, SCHOOL_A).post(f"/api/casebank/materials/{own.pk}/submit/")
    published = methodologist.post(f"/api/casebank/materials/{copy_id}/publish/")
    assert published.status_code == 200 and published.json()["status"] == Status.PUBLISHED
    assert published.json()["origin_organisation"]["id"] == district.school_a.pk


def test_a_methodologist_rejects_with_a_reason(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, title=unique("Кейс на отклонение"))
    with tenant_context(district.school_a):
        copy = services.material_submit(material=own, actor=author)
    client = api(staff(district.centre, Role.METHODOLOGIST), CENTRE)
    rejected = client.post(
        f"/api/casebank/materials/{copy.pk}/reject/", {"reason": "Не по теме"}, format="json"
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == Status.REJECTED
    versions = api(author, CENTRE).get(f"/api/casebank/materials/{copy.pk}/versions/").json()
    assert versions[0]["moderator_comment"] == "Не по теме"


def test_readers_rate_favourite_comment_download_and_see_similar_through_the_api(district: District) -> None:
    author, methodologist = staff(district.school_a), staff(district.centre, Role.METHODOLOGIST)
    topic = unique("тема").lower()
    _own, copy = district_material(district, author, methodologist, topics=[topic], files=[pdf_file()])
    _other_own, other = district_material(district, author, methodologist, title="Ещё кейс", topics=[topic])
    reader = staff(district.school_b)
    client = api(reader, CENTRE)
    rated = client.put(f"/api/casebank/materials/{copy.pk}/rating/", {"score": 4}, format="json")
    assert rated.status_code == 200 and rated.json()["rating_count"] == 1
    assert (
        client.put(f"/api/casebank/materials/{copy.pk}/rating/", {"score": 6}, format="json").status_code
        == 400
    )
    own_rating = api(author, CENTRE).put(
        f"/api/casebank/materials/{copy.pk}/rating/", {"score": 5}, format="json"
    )
    assert own_rating.status_code == 403
    favourite = client.put(
        f"/api/casebank/materials/{copy.pk}/favourite/", {"favourite": True}, format="json"
    )
    assert favourite.json() == {"favourite": True}
    comment = client.post(f"/api/casebank/materials/{copy.pk}/comments/", {"text": "Полезно"}, format="json")
    assert comment.status_code == 201
    assert client.get(f"/api/casebank/materials/{copy.pk}/comments/").json()["count"] == 1
    similar = client.get(f"/api/casebank/materials/{copy.pk}/similar/").json()
    assert other.pk in [m["id"] for m in similar]
    detail = client.get(f"/api/casebank/materials/{copy.pk}/").json()
    download = client.get(detail["attachments"][0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    with tenant_context(district.centre):
        assert Material.objects.get(pk=copy.pk).download_count == 1


def test_the_written_out_search_page_is_what_the_documented_serializer_gives(district: District) -> None:
    """The search endpoint builds its answer by hand (speed); it must stay the schema's answer."""
    from casebank import selectors
    from casebank.api.serializers import CasebankSearchOutputSerializer, search_page_data
    from tests.factories import SubjectFactory

    subject = SubjectFactory()
    author, co_author = staff(district.school_a), staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    reader = staff(district.school_b)
    word = unique("Сравнение")
    _own, copy = district_material(
        district, author, methodologist, title=f"{word}: дроби и проценты", subjects=[subject],
        grades=[5, 6], topics=["дроби"], abstract="Кейс для 5–6 классов", co_authors=[co_author],
    )  # fmt: skip
    with tenant_context(district.centre):
        services.material_rate(material=copy, actor=reader, score=4)
        pages = [
            selectors.materials_search(user=reader, query="дроби проценты"),  # full text, ranked
            selectors.materials_search(user=reader, query="", subject=subject.pk),  # no query: no rank
            selectors.materials_search(user=reader, query=word.split("-")[1][:8]),  # similar titles
            selectors.materials_search(user=reader, query="дроби", sort="rating", page=5),  # past the end
        ]
    assert pages[0].hits and pages[1].hits and pages[0].hits[0].material.origin_organisation is not None
    assert pages[2].fuzzy and pages[2].hits and not pages[3].hits
    for page in pages:
        assert search_page_data(page) == CasebankSearchOutputSerializer(page).data


def test_an_author_changes_the_co_authors_and_a_departed_one_keeps_the_credit(district: District) -> None:
    from accounts import services as accounts_services
    from casebank.errors import MaterialInvalidError

    teacher, departed, newcomer = (member(district.school_a, language="en") for _ in range(3))
    stranger = staff(district.school_b)
    draft = material(district.school_a, teacher.user, publish=False, co_authors=[departed.user])
    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    accounts_services.membership_set_active(
        membership_id=departed.pk, active=False, actor=admin.user, actor_membership=admin
    )
    client = api(teacher.user, SCHOOL_A)
    url = f"/api/casebank/materials/{draft.pk}/"
    # A departed co-author stays credited; a newcomer of the school can be added.
    response = client.patch(url, {"co_authors": [departed.user.pk, newcomer.user.pk]}, format="json")
    assert response.status_code == 200, response.content
    everyone = {teacher.user.pk, departed.user.pk, newcomer.user.pk}
    assert {a["id"] for a in response.json()["authors"]} == everyone
    # Someone of another school, or an unknown id: 400 naming the field, nothing changed.
    for wrong in ([stranger.pk], [987654321]):
        refused = client.patch(url, {"co_authors": wrong, "title": "Другое название"}, format="json")
        assert refused.status_code == 400 and "co_authors" in refused.json(), refused.content
    with tenant_context(district.school_a):
        fresh = Material.objects.get(pk=draft.pk)
        assert {a.pk for a in fresh.authors.all()} == everyone
        assert fresh.versions.get().title != "Другое название"
        with pytest.raises(MaterialInvalidError):
            services.material_update(material=fresh, actor=teacher.user, co_authors=[stranger])
    # Without the field, the authors stay as they are.
    assert client.patch(url, {"title": "Новое название"}, format="json").status_code == 200
    with tenant_context(district.school_a):
        assert Material.objects.get(pk=draft.pk).authors.count() == 3


def test_a_district_copys_authors_are_not_changed_in_the_district_bank(district: District) -> None:
    author, colleague = staff(district.school_a), staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    _own, copy = district_material(district, author, methodologist, title=unique("Кейс"))
    response = api(author, CENTRE).patch(
        f"/api/casebank/materials/{copy.pk}/", {"co_authors": [colleague.pk]}, format="json"
    )
    assert response.status_code == 400 and "co_authors" in response.json(), response.content
    with tenant_context(district.centre):
        assert list(Material.objects.get(pk=copy.pk).authors.all()) == [author]
