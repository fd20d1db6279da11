"""Ratings, favourites, comments, downloads and "more like this"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from casebank import selectors, services
from casebank.errors import MaterialInvalidError, MaterialPermissionError
from casebank.models import Attachment, Rating
from notifications.models import Kind, Notification
from tests.conftest import District
from tests.factories import SubjectFactory

from .factories import material, pdf_file, staff

pytestmark = pytest.mark.django_db


def test_a_rating_is_one_per_person_changeable_and_kept_in_the_average(district: District) -> None:
    author = staff(district.school_a)
    first, second = staff(district.school_a), staff(district.school_a)
    own = material(district.school_a, author)
    with tenant_context(district.school_a):
        services.material_rate(material=own, score=5, actor=first)
        services.material_rate(material=own, score=2, actor=second)
        services.material_rate(material=own, score=4, actor=first)  # changed, not added
        own.refresh_from_db()
        assert (own.rating_count, own.rating_sum, own.rating_average) == (2, 6, Decimal("3.00"))
        assert selectors.rating_of(material=own, user=first) == 4
        for bad in (0, 6):
            with pytest.raises(MaterialInvalidError):
                services.material_rate(material=own, score=bad, actor=first)
        with pytest.raises(MaterialPermissionError):
            services.material_rate(material=own, score=5, actor=author)
        # The database holds one rating per person even past the service.
        with pytest.raises(IntegrityError), transaction.atomic():
            Rating.objects.create(material=own, user=first, score=1)


def test_a_draft_cannot_be_rated_or_commented_on(district: District) -> None:
    author, co_author = staff(district.school_a), staff(district.school_a)
    draft = material(district.school_a, author, co_authors=[co_author], publish=False)
    with tenant_context(district.school_a):
        with pytest.raises(MaterialPermissionError):
            services.comment_create(material=draft, text="Черновик?", actor=co_author)
        with pytest.raises(MaterialPermissionError):
            services.favourite_set(material=draft, favourite=True, actor=co_author)


def test_favourites_are_added_and_removed(district: District) -> None:
    author, reader = staff(district.school_a), staff(district.school_a)
    own = material(district.school_a, author)
    with tenant_context(district.school_a):
        services.favourite_set(material=own, favourite=True, actor=reader)
        services.favourite_set(material=own, favourite=True, actor=reader)  # twice: still one
        assert [m.pk for m in selectors.favourites_of(user=reader)] == [own.pk]
        assert selectors.is_favourite(material=own, user=reader)
        services.favourite_set(material=own, favourite=False, actor=reader)
        assert not selectors.favourites_of(user=reader).exists()


def test_a_comment_notifies_the_materials_other_authors(district: District) -> None:
    author, co_author, reader = (staff(district.school_a) for _ in range(3))
    own = material(district.school_a, author, co_authors=[co_author])
    with tenant_context(district.school_a):
        services.comment_create(material=own, text="Спасибо, пригодилось на уроке!", actor=reader)
        services.comment_create(material=own, text="Добавил ответы", actor=co_author)
        assert [c.text for c in selectors.comments_of(material=own, user=reader)] == [
            "Спасибо, пригодилось на уроке!",
            "Добавил ответы",
        ]
        with pytest.raises(MaterialInvalidError):
            services.comment_create(material=own, text="   ", actor=reader)
    comments = Notification.objects.filter(kind=Kind.MATERIAL_COMMENT)
    assert sorted(comments.values_list("recipient", flat=True)) == sorted(
        [author.pk, co_author.pk, author.pk]
    )
    assert not comments.filter(recipient=reader).exists()
    assert "Спасибо, пригодилось" in comments.filter(recipient=co_author).get().body


def test_each_permitted_download_is_counted(district: District) -> None:
    author, reader = staff(district.school_a), staff(district.school_a)
    own = material(district.school_a, author, files=[pdf_file()])
    with tenant_context(district.school_a):
        attachment = Attachment.objects.get(version__material=own)
        for _ in range(3):
            services.attachment_download(attachment_id=attachment.pk, actor=reader)
        own.refresh_from_db()
        assert own.download_count == 3


def test_more_like_this_prefers_the_same_topic_and_subject(district: District) -> None:
    maths, history = SubjectFactory(), SubjectFactory()
    author, reader = staff(district.school_a), staff(district.school_a)
    base = material(district.school_a, author, title="Дроби 5 класс", subjects=[maths], topics=["дроби"])
    both = material(district.school_a, author, title="Дроби 6 класс", subjects=[maths], topics=["дроби"])
    subject_only = material(
        district.school_a, author, title="Уравнения", subjects=[maths], topics=["уравнения"]
    )
    topic_only = material(
        district.school_a, author, title="Дроби в истории", subjects=[history], topics=["дроби"]
    )
    material(district.school_a, author, title="Реформы Петра", subjects=[history], topics=["реформы"])
    material(
        district.school_a, author, title="Дроби черновик", subjects=[maths], topics=["дроби"], publish=False
    )
    with tenant_context(district.school_a):
        similar = selectors.materials_similar(material=base, user=reader)
    assert similar[0].pk == both.pk
    assert {m.pk for m in similar} == {both.pk, subject_only.pk, topic_only.pk}
