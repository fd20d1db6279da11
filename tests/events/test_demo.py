"""The demo's methodological week: allocated by preferences, attended, reflected, certified; idempotent."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from tenants.demo import demo_district_seed
from tests.conftest import District
from tutorials.events.demo import TITLE, demo_events_seed
from tutorials.events.models import (
    AllocationRun,
    Assignment,
    Attendance,
    DefenceAssignment,
    Event,
    ReflectionAnswer,
)
from tutorials.models import Certificate


def test_the_demo_week_is_allocated_attended_reflected_and_certified_once(
    district: District, db: None
) -> None:
    demo = demo_district_seed()
    assert demo_events_seed(centre=demo.centre, people=demo.people) == [f"event {TITLE}"]
    assert demo_events_seed(centre=demo.centre, people=demo.people) == []
    with tenant_context(demo.centre):
        event = Event.objects.get(title=TITLE)
        assert event.days.count() == 3
        assert AllocationRun.objects.filter(block__day__event=event).count() == 3
        assert Assignment.objects.filter(block__day__event=event).count() == 18  # 6 teachers x 3 days
        assert Attendance.objects.filter(track__block__day__event=event).count() == 12
        assert ReflectionAnswer.objects.filter(question__day__event=event).count() == 6 * 2 * 2
        assert DefenceAssignment.objects.filter(block__day__event=event).count() == 3
        assert Certificate.objects.filter(source="event", source_id=event.pk).count() == 6
