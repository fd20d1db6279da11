"""The campaigns' background work: the beat jobs are scheduled, reach the centre's schema
through their fan-out task, and an attempt that changes queues the item analysis again."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from notifications.models import Kind, Notification
from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.models import Attempt
from tutorials.diagnostics.campaigns.tasks import notify_for, submit_due_for

from .helpers import Cast, open_campaign


def _every(task: str) -> float:
    schedules = [job["schedule"] for job in settings.CELERY_BEAT_SCHEDULE.values() if job["task"] == task]
    assert len(schedules) == 1, task
    return float(schedules[0])


def test_beat_submits_overdue_attempts_every_minute_and_announces_campaigns() -> None:
    # The deadline is held by the server: an abandoned attempt is submitted within a minute of it.
    assert _every("diagnostics.submit_due_sweep") <= 60
    # Opening notices and reminders: within minutes of the opening.
    assert _every("diagnostics.notify_sweep") <= 600


def test_the_sweeps_task_submits_in_the_centres_schema_once(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now, minutes=1)
    started = now - timedelta(minutes=5)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher, now=started)
    centre = [cast.district.centre.pk]
    assert submit_due_for(centre) == 1
    assert submit_due_for(centre) == 0  # idempotent: nothing is submitted twice
    attempt.refresh_from_db()
    assert attempt.status != Attempt.Status.IN_PROGRESS and attempt.submitted_automatically
    assert attempt.submitted_at == attempt.deadline


def test_the_notify_task_reminds_in_the_centres_schema_once(cast: Cast) -> None:
    open_campaign(cast, closes_in=timedelta(minutes=30))  # open since an hour ago: past half-time
    reminders = Notification.objects.filter(kind=Kind.DIAGNOSTIC_REMINDER, recipient=cast.user("teacher"))
    centre = [cast.district.centre.pk]
    notify_for(centre)
    notify_for(centre)
    assert reminders.count() == 1


def test_a_submission_queues_the_item_analysis_again(cast: Cast, django_capture_on_commit_callbacks) -> None:
    campaign = open_campaign(cast)
    key = f"campaigns:analysis-queued:{campaign.pk}"
    cache.delete(key)
    attempt = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt_id=attempt.pk, user=cast.user("teacher"))
    assert cache.get(key) == 1  # queued once; the debounce holds the next ones back
    cache.delete(key)


def test_a_short_campaign_is_reminded_at_half_time_not_with_its_opening(cast: Cast) -> None:
    now = timezone.now()
    campaign = open_campaign(cast, now=now, closes_in=timedelta(hours=3))  # open since an hour ago
    reminders = Notification.objects.filter(kind=Kind.DIAGNOSTIC_REMINDER, recipient=cast.user("teacher"))
    services.campaigns_notify_due(now=now)
    assert not reminders.exists()  # 1 h of 4 gone: too early, though the close is within 24 h
    services.campaigns_notify_due(now=now + timedelta(hours=1, minutes=1))
    assert reminders.count() == 1
    campaign.refresh_from_db()
    assert campaign.reminder_sent_at is not None
