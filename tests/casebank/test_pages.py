"""The case-bank pages per role: search, a material, writing, moderation, isolation."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from casebank import services
from casebank.models import Attachment, Material, Rating, Status
from tests.conftest import District, client_for, member
from tests.factories import SubjectFactory, unique

from .factories import district_material, material, pdf_file


def staff(organisation: object, role: str = Role.TEACHER) -> User:
    """A member who reads the pages in English (messages are asserted by their English msgids)."""
    return member(organisation, role, language="en").user  # type: ignore[arg-type]


pytestmark = pytest.mark.django_db

SCHOOL_A = "school1.localhost"
SCHOOL_B = "school2.localhost"
CENTRE = "centre.localhost"


def _attachment_of(organisation: object, item: Material) -> Attachment:
    with tenant_context(organisation):
        return Attachment.objects.get(version__material=item)


def test_the_search_page_finds_a_stemmed_query_and_highlights_the_match(district: District) -> None:
    author = staff(district.school_a)
    word = unique("Кейс")
    material(district.school_a, author, title=f"{word}: задачи по математике", abstract="Решаем задачи.")
    response = client_for(staff(district.school_a), SCHOOL_A).get("/casebank/", {"q": "задача математика"})
    assert response.status_code == 200
    html = response.content.decode()
    assert word in html
    assert "<mark>математике</mark>" in html


def test_the_search_page_says_which_corrected_query_it_used_for_a_typo(district: District) -> None:
    author = staff(district.school_a)
    material(district.school_a, author, title="Технологическая карта урока по географии")
    response = client_for(author, SCHOOL_A).get("/casebank/", {"q": "геогрофии"})
    assert response.status_code == 200
    assert response.context["result"].corrected_query == "географии"
    assert "did-you-mean" in response.content.decode()


def test_the_search_page_filters_sorts_and_pages(district: District) -> None:
    author = staff(district.school_a)
    subject = SubjectFactory(name=unique("Химия"))
    topic = unique("тема").lower()
    for n in range(3):
        material(district.school_a, author, title=f"Химический кейс {n}", subjects=[subject], topics=[topic])
    material(district.school_a, author, title="Химический кейс без предмета")
    client = client_for(author, SCHOOL_A)
    response = client.get("/casebank/", {"q": "кейс", "subject": subject.pk, "sort": "newest"})
    assert response.context["result"].total == 3
    response = client.get("/casebank/", {"topic": topic, "sort": "rating", "page": 2, "per_page": 1})
    assert response.status_code == 200
    paged = client.get("/casebank/", {"subject": subject.pk})
    assert paged.context["result"].total == 3


def test_a_wrong_filter_value_is_a_field_error_not_a_500(district: District) -> None:
    response = client_for(staff(district.school_a), SCHOOL_A).get(
        "/casebank/", {"q": "кейс", "grade": "99", "kind": "nonsense", "sort": "loudest"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"grade", "kind", "sort"} <= set(form.errors)


def test_the_school_of_origin_filter_is_offered_in_the_district_bank_only(district: District) -> None:
    teacher_b = staff(district.school_b)
    centre_page = client_for(teacher_b, CENTRE).get("/casebank/")
    assert "origin" in centre_page.context["form"].fields
    school_page = client_for(teacher_b, SCHOOL_B).get("/casebank/")
    assert "origin" not in school_page.context["form"].fields


def test_a_teacher_writes_a_material_with_several_files_and_publishes_it_in_the_school(
    district: District,
) -> None:
    teacher = staff(district.school_a)
    client = client_for(teacher, SCHOOL_A)
    assert client.get("/casebank/new/").status_code == 200
    response = client.post(
        "/casebank/new/",
        {
            "title": "Кейс: дроби в 5 классе", "kind": "case", "licence": "cc-by", "grades": ["5"],
            "topics": "дроби, задачи", "abstract": "Кратко",
            "body": "<p>Текст<script>x()</script></p>",
            "attachments": [pdf_file("plan.pdf"), pdf_file("second.pdf")],
        },
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(district.school_a):
        created = Material.objects.get(title="Кейс: дроби в 5 классе")
        assert created.status == Status.DRAFT
        assert created.topics == ["дроби", "задачи"]
        assert "script" not in created.body
        assert Attachment.objects.filter(version__material=created).count() == 2
    page = client.get(f"/casebank/materials/{created.pk}/")
    assert page.status_code == 200
    assert "plan.pdf" in page.content.decode() and "second.pdf" in page.content.decode()
    assert client.post(f"/casebank/materials/{created.pk}/publish-here/").status_code == 302
    with tenant_context(district.school_a):
        created.refresh_from_db()
        assert created.status == Status.PUBLISHED


def test_a_file_refused_by_its_content_is_an_error_on_the_form(district: District) -> None:
    teacher = staff(district.school_a)
    fake = pdf_file("notes.docx")
    response = client_for(teacher, SCHOOL_A).post(
        "/casebank/new/", {"title": unique("Кейс"), "kind": "case", "licence": "cc-by", "attachments": [fake]}
    )
    assert response.status_code == 400
    assert "was refused" in " ".join(response.context["form"].errors["attachments"])


def test_a_teacher_names_a_colleague_co_author_who_then_sees_and_edits_the_draft(district: District) -> None:
    teacher, colleague, bystander = (staff(district.school_a) for _ in range(3))
    stranger = staff(district.school_b)
    client = client_for(teacher, SCHOOL_A)
    offered = client.get("/casebank/new/").context["form"].fields["co_authors"].queryset
    assert colleague in offered and stranger not in offered and teacher not in offered
    title = unique("Кейс вдвоём")
    response = client.post(
        "/casebank/new/", {"title": title, "kind": "case", "licence": "cc-by", "co_authors": [colleague.pk]}
    )
    assert response.status_code == 302
    with tenant_context(district.school_a):
        written = Material.objects.get(title=title)
        assert set(written.authors.all()) == {teacher, colleague}
    page = f"/casebank/materials/{written.pk}/"
    colleague_client = client_for(colleague, SCHOOL_A)
    assert colleague_client.get(page).status_code == 200
    assert title in colleague_client.get("/casebank/mine/").content.decode()
    assert colleague_client.get(f"{page}edit/").status_code == 200
    assert client_for(bystander, SCHOOL_A).get(page).status_code == 404  # a draft: authors only


def test_a_co_author_from_another_school_is_refused_and_nothing_is_written(district: District) -> None:
    teacher, stranger = staff(district.school_a), staff(district.school_b)
    title = unique("Кейс")
    response = client_for(teacher, SCHOOL_A).post(
        "/casebank/new/", {"title": title, "kind": "case", "licence": "cc-by", "co_authors": [stranger.pk]}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["co_authors"]
    with tenant_context(district.school_a):
        assert not Material.objects.filter(title=title).exists()


def test_an_author_adds_and_removes_a_co_author_on_the_edit_page(district: District) -> None:
    teacher, colleague = staff(district.school_a), staff(district.school_a)
    title = unique("Кейс")
    draft = material(district.school_a, teacher, title=title, publish=False)
    client = client_for(teacher, SCHOOL_A)
    edit = f"/casebank/materials/{draft.pk}/edit/"
    form = {"title": title, "kind": "case", "licence": "cc-by"}
    assert client.post(edit, {**form, "co_authors": [colleague.pk]}).status_code == 302
    with tenant_context(district.school_a):
        assert set(Material.objects.get(pk=draft.pk).authors.all()) == {teacher, colleague}
    colleague_client = client_for(colleague, SCHOOL_A)
    assert colleague_client.get(f"/casebank/materials/{draft.pk}/").status_code == 200
    assert client.get(edit).context["form"].initial["co_authors"] == [colleague.pk]
    assert client.post(edit, form).status_code == 302  # nobody chosen: the colleague is no author now
    with tenant_context(district.school_a):
        assert set(Material.objects.get(pk=draft.pk).authors.all()) == {teacher}
    assert colleague_client.get(f"/casebank/materials/{draft.pk}/").status_code == 404


def test_only_the_authors_edit_and_an_edit_of_a_published_material_is_a_new_version(
    district: District,
) -> None:
    author, colleague = staff(district.school_a), staff(district.school_a)
    own = material(district.school_a, author, title="Урок по физике", topics=["оптика"])
    assert client_for(colleague, SCHOOL_A).get(f"/casebank/materials/{own.pk}/edit/").status_code == 403
    denied = client_for(colleague, SCHOOL_A).post(
        f"/casebank/materials/{own.pk}/edit/", {"title": "Чужая правка", "kind": "case", "licence": "cc-by"}
    )
    assert denied.status_code == 403
    client = client_for(author, SCHOOL_A)
    form = client.get(f"/casebank/materials/{own.pk}/edit/")
    assert form.context["form"].initial["topics"] == "оптика"
    response = client.post(
        f"/casebank/materials/{own.pk}/edit/", {"title": "Урок по физике, вторая редакция", "kind": "case",
                                                "licence": "cc-by", "topics": "оптика"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client_for(colleague, SCHOOL_A).get(f"/casebank/materials/{own.pk}/")
    assert "вторая редакция" in page.content.decode()
    old = client_for(colleague, SCHOOL_A).get(f"/casebank/materials/{own.pk}/versions/1/")
    assert old.status_code == 200
    assert "<h1>Урок по физике</h1>" in old.content.decode()


def test_a_school_only_material_page_and_file_are_404_for_another_school(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, title=unique("Кейс школы"), files=[pdf_file()])
    attachment = _attachment_of(district.school_a, own)
    outsider = staff(district.school_b)
    on_a = client_for(outsider, SCHOOL_A)
    assert on_a.get(f"/casebank/materials/{own.pk}/").status_code == 404
    assert on_a.get(f"/casebank/materials/{own.pk}/versions/1/").status_code == 404
    assert on_a.get(f"/casebank/files/{attachment.pk}/").status_code == 404
    assert on_a.get("/casebank/", {"q": own.title}).status_code == 403
    # On school B's own site and in the district bank the ids lead nowhere, and search does not find it.
    for host in (SCHOOL_B, CENTRE):
        client = client_for(outsider, host)
        assert client.get(f"/casebank/files/{attachment.pk}/").status_code == 404
        assert client.get("/casebank/", {"q": own.title}).context["result"].total == 0
    with tenant_context(district.school_a):
        own.refresh_from_db()
        assert own.download_count == 0


def test_a_colleague_downloads_a_file_and_the_download_is_counted(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, files=[pdf_file("урок.pdf")])
    attachment = _attachment_of(district.school_a, own)
    response = client_for(staff(district.school_a), SCHOOL_A).get(f"/casebank/files/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    with tenant_context(district.school_a):
        own.refresh_from_db()
        assert own.download_count == 1


def test_a_teacher_of_another_school_rates_comments_and_favourites_a_district_material(
    district: District,
) -> None:
    author, methodologist = staff(district.school_a), staff(district.centre, Role.METHODOLOGIST)
    _own, copy = district_material(district, author, methodologist, title=unique("Районный кейс"))
    reader = staff(district.school_b)
    client = client_for(reader, CENTRE)
    page = client.get(f"/casebank/materials/{copy.pk}/")
    assert page.status_code == 200
    assert "Школа № 1" in page.content.decode() or district.school_a.name in page.content.decode()
    assert client.post(f"/casebank/materials/{copy.pk}/rate/", {"score": "4"}).status_code == 302
    assert client.post(f"/casebank/materials/{copy.pk}/rate/", {"score": "5"}).status_code == 302
    assert client.post(f"/casebank/materials/{copy.pk}/favourite/", {"favourite": "1"}).status_code == 302
    assert client.post(f"/casebank/materials/{copy.pk}/comment/", {"text": "Спасибо!"}).status_code == 302
    with tenant_context(district.centre):
        assert Rating.objects.get(material=copy, user=reader).score == 5
    assert copy.pk in [m.pk for m in client.get("/casebank/favourites/").context["materials"]]
    assert "Спасибо!" in client.get(f"/casebank/materials/{copy.pk}/").content.decode()


def test_an_author_rating_their_own_material_gets_a_clear_refusal_not_a_500(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author)
    response = client_for(author, SCHOOL_A).post(f"/casebank/materials/{own.pk}/rate/", {"score": "5"})
    assert response.status_code == 403
    assert "Authors do not rate their own material." in response.content.decode()


def test_an_author_submits_to_the_district_and_sees_the_district_status(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, title=unique("Кейс для района"))
    client = client_for(author, SCHOOL_A)
    assert client.post(f"/casebank/materials/{own.pk}/submit/").status_code == 302
    page = client.get(f"/casebank/materials/{own.pk}/")
    assert page.context["district"].latest_status == Status.SUBMITTED
    assert "district-status" in page.content.decode()


def test_only_methodologists_see_the_queue_and_moderate(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, title=unique("Кейс на модерации"))
    with tenant_context(district.school_a):
        copy = services.material_submit(material=own, actor=author)
    for outsider, host in (
        (staff(district.centre, Role.TUTOR), CENTRE),
        (staff(district.centre, Role.CENTRE_ADMIN), CENTRE),
        (staff(district.school_b), CENTRE),
        (staff(district.school_a, Role.SCHOOL_ADMIN), SCHOOL_A),
    ):
        client = client_for(outsider, host)
        assert client.get("/casebank/moderation/").status_code == 403
        refused = client.post(f"/casebank/materials/{copy.pk}/moderate/", {"decision": "publish"})
        assert refused.status_code == 403
    methodologist = client_for(staff(district.centre, Role.METHODOLOGIST), CENTRE)
    queue = methodologist.get("/casebank/moderation/")
    assert copy.pk in [v.material_id for v in queue.context["queue"]]
    # Returning without a comment is a clear message, then with one it goes back to the authors.
    response = methodologist.post(
        f"/casebank/materials/{copy.pk}/moderate/", {"decision": "return"}, follow=True
    )
    assert "Say what the authors should change." in response.content.decode()
    methodologist.post(
        f"/casebank/materials/{copy.pk}/moderate/", {"decision": "return", "comment": "Добавьте цели"}
    )
    with tenant_context(district.centre):
        copy.refresh_from_db()
        assert copy.status == Status.RETURNED
    page = client_for(author, SCHOOL_A).get(f"/casebank/materials/{own.pk}/")
    assert "Добавьте цели" in page.content.decode()


def test_a_methodologist_publishes_from_the_queue_and_readers_of_every_school_see_it(
    district: District,
) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author, title=unique("Публикуемый кейс"))
    with tenant_context(district.school_a):
        copy = services.material_submit(material=own, actor=author)
    reader = client_for(staff(district.school_b), CENTRE)
    assert reader.get(f"/casebank/materials/{copy.pk}/").status_code == 404  # not published yet
    methodologist = client_for(staff(district.centre, Role.METHODOLOGIST), CENTRE)
    response = methodologist.post(
        f"/casebank/materials/{copy.pk}/moderate/", {"decision": "publish", "from": "queue"}
    )
    assert response.status_code == 302 and response["Location"] == "/casebank/moderation/"
    assert reader.get(f"/casebank/materials/{copy.pk}/").status_code == 200


def test_a_draft_page_is_404_for_colleagues_and_my_materials_lists_it_for_the_author(
    district: District,
) -> None:
    author = staff(district.school_a)
    draft = material(district.school_a, author, publish=False, title=unique("Черновик"))
    assert (
        client_for(staff(district.school_a), SCHOOL_A).get(f"/casebank/materials/{draft.pk}/").status_code
        == 404
    )
    mine = client_for(author, SCHOOL_A).get("/casebank/mine/")
    assert draft.pk in [m.pk for m in mine.context["materials"]]


def test_the_dashboard_shows_the_case_bank_card_to_a_school_teacher_on_the_centre_site(
    district: District,
) -> None:
    response = client_for(staff(district.school_b), CENTRE).get("/")
    assert response.status_code == 200
    assert 'id="casebank-card"' in response.content.decode()


def test_the_bank_is_closed_to_anonymous_visitors(district: District) -> None:
    response = client_for(None, SCHOOL_A).get("/casebank/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
