"""Celery carries the tenant: proven with the real worker of the live stack and
the Redis result backend (ARCHITECTURE section 4)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django_tenants.utils import schema_context, tenant_context

from tests.conftest import District, LiveStack
from tutornet.celery import app
from tutornet.tasks import current_schema

pytestmark = pytest.mark.live


def test_the_celery_app_is_tenant_aware() -> None:
    from tenant_schemas_celery.app import CeleryApp
    from tenant_schemas_celery.task import TenantTask

    assert isinstance(app, CeleryApp)
    assert isinstance(current_schema, TenantTask)


def test_a_task_sent_inside_a_school_runs_in_that_schools_schema(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    with tenant_context(district.school_a):
        result_a = current_schema.delay()
    with schema_context("school2"):
        result_b = current_schema.delay()
    result_public = current_schema.delay()
    assert result_a.get(timeout=20) == "school1"
    assert result_b.get(timeout=20) == "school2"
    assert result_public.get(timeout=20) == "public"


def test_a_task_queued_on_commit_of_a_rolled_back_transaction_is_never_sent(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    sent = []

    class Rollback(Exception):
        pass

    with tenant_context(district.school_a):
        with pytest.raises(Rollback), transaction.atomic():
            transaction.on_commit(lambda: sent.append(current_schema.delay()))
            raise Rollback
        assert sent == []
        with transaction.atomic():
            transaction.on_commit(lambda: sent.append(current_schema.delay()))
            assert sent == []  # not before the commit
    assert len(sent) == 1
    assert sent[0].get(timeout=20) == "school1"


def test_the_worker_knows_the_platforms_tasks_and_beat_sweeps_stuck_notifications(
    live_stack: LiveStack,
) -> None:
    registered = app.control.inspect(timeout=5).registered() or {}
    names = {name for tasks in registered.values() for name in tasks}
    assert {"notifications.deliver", "notifications.resend_stuck", "tutornet.current_schema"} <= names
    sweeps = [
        job for job in settings.CELERY_BEAT_SCHEDULE.values() if job["task"] == "notifications.resend_stuck"
    ]
    assert len(sweeps) == 1
    assert 0 < float(sweeps[0]["schedule"]) <= 300
