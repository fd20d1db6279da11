"""Items and their versions: content checked per type, used versions never edited, access."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from tests.conftest import District, member
from tutorials.diagnostics import services
from tutorials.diagnostics.errors import BankPermissionError, ItemInvalidError
from tutorials.diagnostics.models import Item, ItemType, ItemVersion

from .factories import BODIES, bank_codifier, make_item, methodologist

pytestmark = pytest.mark.django_db


def test_editing_an_unused_item_changes_its_version_in_place(district: District) -> None:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        item = make_item(actor=actor, codifier=codifier)
        version = services.item_update(
            item=item,
            text="<p>Новый текст</p>",
            body=BODIES[ItemType.SINGLE],
            topics=list(codifier.topics.all()[:2]),
            actor=actor,
        )
        assert version.number == 1 and item.versions.count() == 1
        assert ItemVersion.objects.get(pk=version.pk).text == "<p>Новый текст</p>"


def test_editing_a_used_version_makes_a_new_one_and_keeps_the_old(district: District) -> None:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        item = make_item(actor=actor, codifier=codifier)
        first = item.current_version
        assert first is not None
        assert services.versions_mark_used([first.pk]) == 1
        assert services.versions_mark_used([first.pk]) == 0
        second = services.item_update(
            item=item,
            text="<p>Другой</p>",
            body=BODIES[ItemType.SINGLE],
            topics=[t.pk for t in first.topics.all()],
            actor=actor,
            max_points=2,
        )
        first.refresh_from_db()
        assert second.number == 2 and second.pk != first.pk
        assert first.text.startswith("<p>Найдите") and first.max_points == 1
        assert Item.objects.get(pk=item.pk).current_version_id == second.pk


def test_scripts_are_removed_from_the_text_and_options(district: District) -> None:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        body = {
            "choices": [
                {"id": "a", "text": "<script>x()</script>1", "correct": True},
                {"id": "b", "text": "2"},
            ]
        }
        item = make_item(
            actor=actor, codifier=codifier, text="<p onclick='x()'>\\(x^2\\)</p><script>1</script>", body=body
        )
        version = item.current_version
        assert version is not None
        assert version.text == "<p>\\(x^2\\)</p>"
        assert version.body["choices"][0]["text"] == "1"


@pytest.mark.parametrize(
    "type,body,field",
    [
        (
            ItemType.SINGLE,
            {
                "choices": [
                    {"id": "a", "text": "1", "correct": True},
                    {"id": "b", "text": "2", "correct": True},
                ]
            },
            "choices",
        ),
        (
            ItemType.SINGLE,
            {"choices": [{"id": "a", "text": "1", "correct": True}, {"id": "a", "text": "2"}]},
            "choices",
        ),
        (ItemType.MULTIPLE, {"choices": [{"id": "a", "text": "1"}, {"id": "b", "text": "2"}]}, "choices"),
        (ItemType.SHORT, {"answers": ["", " "]}, "answers"),
        (ItemType.NUMERIC, {"value": "abc"}, "value"),
        (ItemType.NUMERIC, {"value": "1", "tolerance": "-1"}, "tolerance"),
        (ItemType.MATCHING, {**BODIES[ItemType.MATCHING], "key": {"1": "А"}}, "key"),
        (ItemType.EXTENDED, {"rubric": ""}, "rubric"),
    ],
)
def test_bad_content_is_refused_naming_the_field_and_writes_nothing(
    district: District, type: str, body: dict[str, Any], field: str
) -> None:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        before = Item.objects.count()
        with pytest.raises(ItemInvalidError) as error:
            make_item(actor=actor, codifier=codifier, type=type, body=body)
        assert error.value.field == field
        assert Item.objects.count() == before


def test_an_item_needs_a_topic_of_its_own_subject(district: District) -> None:
    with tenant_context(district.centre):
        actor, codifier = methodologist(district.centre), bank_codifier()
        other = bank_codifier(subject_code="phys-bank")
        with pytest.raises(ItemInvalidError) as error:
            services.item_create(
                subject=codifier.subject,
                type=ItemType.SHORT,
                text="<p>?</p>",
                body={"answers": ["1"]},
                topics=[other.topics.first().pk],
                actor=actor,  # type: ignore[union-attr]
            )
        assert error.value.field == "topics"
        with pytest.raises(ItemInvalidError):
            make_item(actor=actor, codifier=codifier, codes=())


@pytest.mark.parametrize("role", [Role.TEACHER, Role.TUTOR])
def test_teachers_and_tutors_may_not_write_to_the_bank(district: District, role: str) -> None:
    with tenant_context(district.centre):
        actor = member(district.centre if role == Role.TUTOR else district.school_a, role).user
        with pytest.raises(BankPermissionError):
            make_item(actor=actor, codifier=bank_codifier())


def test_a_school_admin_writes_to_the_schools_own_bank_only(district: District) -> None:
    with tenant_context(district.school_a):
        admin = methodologist(district.school_a)
        make_item(actor=admin, codifier=bank_codifier())
    with tenant_context(district.centre), pytest.raises(BankPermissionError):
        make_item(actor=admin, codifier=bank_codifier())
    with tenant_context(district.school_b), pytest.raises(BankPermissionError):
        make_item(actor=admin, codifier=bank_codifier())
