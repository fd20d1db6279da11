"""The dashboard shows the panels that features register, in order, and only
those whose function returns one for this person."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.http import HttpRequest

from accounts.models import Role
from tests.conftest import District, client_for, member
from tutornet import panels

pytestmark = pytest.mark.django_db


def _second(request: HttpRequest) -> panels.Panel | None:
    return panels.Panel(
        key="second",
        title="Второй",
        template="tutornet/_panel_test.html",
        context={"text": "второй-текст"},
        order=20,
    )


def _first_for_teachers(request: HttpRequest) -> panels.Panel | None:
    membership = getattr(request, "membership", None)
    if membership is None or membership.role != Role.TEACHER:
        return None
    return panels.Panel(
        key="first",
        title="Первый",
        template="tutornet/_panel_test.html",
        context={"text": "первый-текст"},
        order=10,
    )


@pytest.fixture
def registered() -> Iterator[None]:
    saved = dict(panels._registry)
    panels.register(_second)
    panels.register(_first_for_teachers)
    panels.register(_second)  # again: replaces, never shown twice
    yield
    panels._registry.clear()
    panels._registry.update(saved)


def test_registered_panels_are_shown_in_order_to_whom_they_concern(
    district: District, registered: None
) -> None:
    teacher = member(district.school_a, Role.TEACHER)
    page = client_for(teacher.user, district.host(district.school_a)).get("/").content.decode()
    assert page.count('id="panel-second"') == 1
    assert page.index("первый-текст") < page.index("второй-текст")

    admin = member(district.school_a, Role.SCHOOL_ADMIN)
    page = client_for(admin.user, district.host(district.school_a)).get("/").content.decode()
    assert "второй-текст" in page
    assert "первый-текст" not in page
