"""Sharing a school material with the district, moderation, versions and notifications."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from casebank import selectors, services
from casebank.errors import MaterialInvalidError, MaterialPermissionError, ModerationStateError
from casebank.models import Material, MaterialVersion, Status
from notifications.models import Kind, Notification
from tests.conftest import District, client_for

from .factories import district_material, material, pdf_file, staff

pytestmark = pytest.mark.django_db


def test_submitting_a_school_material_makes_a_moderated_copy_in_the_centre_and_notifies_methodologists(
    district: District,
) -> None:
    author = staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    centre_tutor = staff(district.centre, Role.TUTOR)
    own = material(district.school_a, author, topics=["дроби"], files=[pdf_file()])
    with tenant_context(district.school_a):
        copy = services.material_submit(material=own, actor=author)
        own.refresh_from_db()
    assert own.district_copy_id == copy.pk

    with tenant_context(district.centre):
        copy = Material.objects.get(pk=copy.pk)
        assert copy.status == Status.SUBMITTED
        assert copy.origin_organisation_id == district.school_a.pk
        assert copy.origin_material_id == own.pk
        assert list(copy.authors.all()) == [author]
        version = copy.versions.get()
        assert (version.number, version.status, version.title) == (1, Status.SUBMITTED, own.title)
        # The file was copied into the centre's storage, not linked to the school's.
        attachment = version.attachments.get()
        assert f"/{district.centre.schema_name}/casebank/" in attachment.file.path
        assert attachment.file.read().startswith(b"%PDF-")
        assert [v.pk for v in selectors.moderation_queue(user=methodologist)] == [version.pk]
        # Not yet published: a teacher of another school neither finds nor opens it.
        reader = staff(district.school_b)
        assert selectors.materials_search(user=reader, query="математике").total == 0
        with pytest.raises(Exception, match="No such material"):
            selectors.material_get(material_id=copy.pk, user=reader)

    submitted = Notification.objects.filter(kind=Kind.MATERIAL_SUBMITTED)
    assert list(submitted.values_list("recipient", flat=True)) == [methodologist.pk]
    assert not submitted.filter(recipient=centre_tutor).exists()
    assert f"/casebank/materials/{copy.pk}/" in submitted.get().link


def test_only_the_centres_methodologists_moderate(district: District) -> None:
    author = staff(district.school_a)
    own = material(district.school_a, author)
    with tenant_context(district.school_a):
        copy = services.material_submit(material=own, actor=author)
        # A school's admin is no moderator, even of the school's own bank.
        with pytest.raises(MaterialPermissionError):
            services.material_publish(material=own, actor=staff(district.school_a, Role.SCHOOL_ADMIN))
    with tenant_context(district.centre):
        for outsider in (
            author,
            staff(district.centre, Role.TUTOR),
            staff(district.centre, Role.CENTRE_ADMIN),
        ):
            with pytest.raises(MaterialPermissionError):
                services.material_publish(material=copy, actor=outsider)
            with pytest.raises(MaterialPermissionError):
                services.material_reject(material=copy, actor=outsider, reason="Нет")
            with pytest.raises(MaterialPermissionError):
                selectors.moderation_queue(user=outsider)
        copy.refresh_from_db()
        assert copy.status == Status.SUBMITTED


def test_a_published_copy_credits_authors_and_school_and_every_school_of_the_district_reads_it(
    district: District,
) -> None:
    author, co_author = staff(district.school_a), staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    own, copy = district_material(district, author, methodologist, co_authors=[co_author])
    with tenant_context(district.centre):
        reader = staff(district.school_b)
        seen = selectors.material_get(material_id=copy.pk, user=reader)
        assert seen.status == Status.PUBLISHED
        assert {a.pk for a in seen.authors.all()} == {author.pk, co_author.pk}
        assert seen.origin_organisation == district.school_a
        assert seen.current_version.number == 1
        assert selectors.materials_search(user=reader, query="математика").total == 1
    published = Notification.objects.filter(kind=Kind.MATERIAL_PUBLISHED)
    assert set(published.values_list("recipient", flat=True)) == {author.pk, co_author.pk}


def test_returning_needs_comments_notifies_authors_and_a_resubmission_replaces_the_returned_version(
    district: District,
) -> None:
    author = staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    own = material(district.school_a, author)
    with tenant_context(district.school_a):
        copy = services.material_submit(material=own, actor=author)
    with tenant_context(district.centre):
        with pytest.raises(MaterialInvalidError):
            services.material_return(material=copy, actor=methodologist, comment="  ")
        services.material_return(material=copy, actor=methodologist, comment="Добавьте ответы к задачам")
        copy.refresh_from_db()
        assert copy.status == Status.RETURNED
        with pytest.raises(ModerationStateError):
            services.material_publish(material=copy, actor=methodologist)
    returned = Notification.objects.get(kind=Kind.MATERIAL_RETURNED, recipient=author)
    assert "Добавьте ответы к задачам" in returned.body

    with tenant_context(district.school_a):
        services.material_update(material=own, actor=author, abstract="Теперь с ответами")
        with tenant_context(district.school_a):
            status = selectors.district_copy_of(material=own, user=author)
        assert status is not None and status.latest_status == Status.RETURNED
        services.material_submit(material=own, actor=author)
    with tenant_context(district.centre):
        version = MaterialVersion.objects.get(material_id=copy.pk)
        assert (version.number, version.status, version.abstract) == (
            1,
            Status.SUBMITTED,
            "Теперь с ответами",
        )


def test_rejecting_needs_a_reason_and_tells_the_authors_why(district: District) -> None:
    author = staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    own = material(district.school_a, author)
    with tenant_context(district.school_a):
        copy = services.material_submit(material=own, actor=author)
    with tenant_context(district.centre):
        with pytest.raises(MaterialInvalidError):
            services.material_reject(material=copy, actor=methodologist, reason="")
        services.material_reject(material=copy, actor=methodologist, reason="Материал не по теме банка")
        copy.refresh_from_db()
        assert copy.status == Status.REJECTED
        # Rejected: not readable by other schools.
        with pytest.raises(Exception, match="No such material"):
            selectors.material_get(material_id=copy.pk, user=staff(district.school_b))
    rejected = Notification.objects.get(kind=Kind.MATERIAL_REJECTED, recipient=author)
    assert "Материал не по теме банка" in rejected.body


def test_only_authors_edit_or_submit(district: District) -> None:
    author = staff(district.school_a)
    colleague = staff(district.school_a)
    own = material(district.school_a, author)
    with tenant_context(district.school_a):
        with pytest.raises(MaterialPermissionError):
            services.material_update(material=own, actor=colleague, title="Чужая правка")
        with pytest.raises(MaterialPermissionError):
            services.material_submit(material=own, actor=colleague)
        own.refresh_from_db()
        assert own.title == "Кейс: задачи по математике"
        assert own.district_copy_id is None


def test_an_authors_edit_of_a_published_district_material_is_a_new_version_awaiting_moderation(
    district: District,
) -> None:
    author = staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    reader = staff(district.school_b)
    own, copy = district_material(district, author, methodologist, abstract="Первая редакция")
    with tenant_context(district.school_a):
        services.material_update(material=own, actor=author, abstract="Вторая редакция", title="Кейс: дроби")
        services.material_submit(material=own, actor=author)
    with tenant_context(district.centre):
        versions = {v.number: v for v in MaterialVersion.objects.filter(material_id=copy.pk)}
        assert versions[1].status == Status.PUBLISHED
        assert versions[2].status == Status.SUBMITTED
        # Readers still see version 1 and cannot see the pending version 2.
        seen = selectors.material_get(material_id=copy.pk, user=reader)
        assert (seen.title, seen.abstract, seen.current_version.number) == (
            "Кейс: задачи по математике",
            "Первая редакция",
            1,
        )
        assert [v.number for v in selectors.material_versions(material=seen, user=reader)] == [1]
        with pytest.raises(Exception, match="No such version"):
            selectors.version_get(material=seen, number=2, user=reader)
        assert selectors.materials_search(user=reader, query="дроби").total == 0
        # The methodologist sees and publishes it; version 1 stays readable.
        assert [v.number for v in selectors.moderation_queue(user=methodologist)] == [2]
        services.material_publish(material=copy, actor=methodologist)
        seen = selectors.material_get(material_id=copy.pk, user=reader)
        assert (seen.title, seen.current_version.number) == ("Кейс: дроби", 2)
        assert [v.number for v in selectors.material_versions(material=seen, user=reader)] == [2, 1]
        assert selectors.version_get(material=seen, number=1, user=reader).abstract == "Первая редакция"
        assert selectors.materials_search(user=reader, query="дроби").total == 1


def test_editing_a_published_district_copy_directly_needs_moderation_again(district: District) -> None:
    author = staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    _own, copy = district_material(district, author, methodologist)
    with tenant_context(district.centre):
        version = services.material_update(material=copy, actor=author, abstract="Исправлено")
        assert (version.number, version.status) == (2, Status.SUBMITTED)
        with pytest.raises(ModerationStateError):
            services.material_update(material=copy, actor=author, abstract="Ещё раз")
        copy.refresh_from_db()
        assert copy.abstract == "" and copy.current_version.number == 1
    assert Notification.objects.filter(kind=Kind.MATERIAL_SUBMITTED, recipient=methodologist).count() == 2


def test_a_school_edit_of_a_published_material_keeps_the_old_version_readable(district: District) -> None:
    author = staff(district.school_a)
    colleague = staff(district.school_a)
    own = material(district.school_a, author, body="<p>Старый текст</p>")
    with tenant_context(district.school_a):
        services.material_update(material=own, actor=author, body="<p>Новый текст</p>")
        seen = selectors.material_get(material_id=own.pk, user=colleague)
        assert seen.body == "<p>Новый текст</p>" and seen.current_version.number == 2
        history = selectors.material_versions(material=seen, user=colleague)
        assert [(v.number, v.status) for v in history] == [(2, Status.PUBLISHED), (1, Status.PUBLISHED)]
        assert selectors.version_get(material=seen, number=1, user=colleague).body == "<p>Старый текст</p>"


def test_every_moderation_form_labels_its_comment_for_a_screen_reader(district: District) -> None:
    """The comment box of the moderation form has its label's words on the version page and in the
    queue too, where no form object is in the context (an empty label: axe's "label", critical)."""
    author = staff(district.school_a)
    methodologist = staff(district.centre, Role.METHODOLOGIST)
    own, copy = district_material(district, author, methodologist)
    with tenant_context(district.school_a):
        services.material_update(material=own, actor=author, title="Кейс: дроби")
        services.material_submit(material=own, actor=author)
    client = client_for(methodologist, district.host(district.centre))
    label = (
        f'<label for="moderation-comment-{copy.pk}">Комментарий для авторов (обязателен, если материал '
        "возвращается или отклоняется)</label>"
    )
    for path in (f"/casebank/materials/{copy.pk}/versions/2/", "/casebank/moderation/"):
        assert label in client.get(path).content.decode(), path
