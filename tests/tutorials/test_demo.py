"""Demo tutorials: past ones with attendance and certificates, a waiting list; seeding twice adds nothing."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tenants.demo import demo_district_seed
from tests.conftest import District
from tutorials.demo import PAST_SEMINAR, SCHOOL_SEMINAR, demo_tutorials_seed
from tutorials.models import Attendance, Certificate, Feedback, Registration, Tutorial

pytestmark = pytest.mark.django_db


def test_demo_tutorials_are_seeded_once_with_attendance_certificates_and_a_waiting_list(
    district: District,
) -> None:
    demo = demo_district_seed()
    created = demo_tutorials_seed(centre=demo.centre, schools=demo.schools, people=demo.people)
    assert created
    with tenant_context(demo.centre):
        past = Tutorial.objects.get(title=PAST_SEMINAR)
        assert past.ends_at is not None and past.status == Tutorial.Status.PUBLISHED
        present = Attendance.objects.filter(session__tutorial=past).count()
        assert present >= 1
        assert Certificate.objects.filter(source="tutorial", source_id=past.pk).count() == present
        assert Feedback.objects.filter(tutorial=past).exists()
        assert Registration.objects.filter(status=Registration.Status.WAITLISTED).exists()
        count = Tutorial.objects.count()
    with tenant_context(demo.schools[0]):
        assert Tutorial.objects.filter(title=SCHOOL_SEMINAR).exists() or not demo.schools[0].pk
    assert demo_tutorials_seed(centre=demo.centre, schools=demo.schools, people=demo.people) == []
    with tenant_context(demo.centre):
        assert Tutorial.objects.count() == count
