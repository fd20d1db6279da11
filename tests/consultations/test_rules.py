"""The booking rules are written once (``consultations.rules``): the Python and SQL forms agree,
and the modules that must not depend on the services do not."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from consultations import rules
from consultations.models import Slot
from tenants.models import Organisation

from .factories import OfferingFactory, SlotFactory, tutor_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_python_and_the_sql_form_of_can_this_slot_be_booked_agree(centre: Organisation) -> None:
    now = timezone.now().replace(microsecond=0)

    def offering() -> object:  # one tutor each: the slots' times overlap
        return OfferingFactory(
            tutor=tutor_in(centre), group=True, capacity=2, min_notice_hours=12, horizon_days=10
        )

    starts = [
        now - timedelta(hours=1),  # started
        now + timedelta(hours=11, minutes=59),  # within the notice
        now + timedelta(hours=12),  # exactly the notice: open
        now + timedelta(days=3),  # open
        now + timedelta(days=10),  # exactly the horizon: open
        now + timedelta(days=10, minutes=1),  # beyond the horizon
    ]
    slots = [SlotFactory(offering=offering(), starts_at=at) for at in starts]
    full = SlotFactory(offering=offering(), starts_at=now + timedelta(days=4), booked=2)
    cancelled = SlotFactory(offering=offering(), starts_at=now + timedelta(days=5), is_cancelled=True)
    every = [*slots, full, cancelled]

    in_python = {s.pk for s in every if rules.is_bookable(s, now)}
    in_sql = set(
        rules.bookable(Slot.objects.filter(pk__in=[s.pk for s in every]), now).values_list("pk", flat=True)
    )

    assert in_python == in_sql == {slots[2].pk, slots[3].pk, slots[4].pk}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
            found.update(
                "." * node.level + (node.module + "." if node.module else "") + a.name for a in node.names
            )
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


@pytest.mark.parametrize("path", ["consultations/selectors.py", "consultations/help_hour/selectors.py"])
def test_selectors_never_import_services(path: str) -> None:
    assert not [name for name in _imports(ROOT / path) if "services" in name]


@pytest.mark.parametrize("package", ["consultations/help_hour/services", "consultations/services"])
def test_services_never_import_the_tasks_that_call_them(package: str) -> None:
    modules = sorted((ROOT / package).glob("*.py"))
    assert modules
    found = {
        path.name: name
        for path in modules
        for name in _imports(path)
        if name.endswith("tasks") or ".tasks." in name
    }
    assert found == {}
