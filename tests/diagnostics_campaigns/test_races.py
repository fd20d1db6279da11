"""Races between real concurrent transactions (committed data, one PostgreSQL connection
per thread): a double submit, a submit racing the automatic one, an answer racing the
deadline's submission, two devices starting at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from accounts.models import AuditEvent
from tests.conftest import District
from tutorials.diagnostics.campaigns import services
from tutorials.diagnostics.campaigns.errors import AttemptSubmittedError
from tutorials.diagnostics.campaigns.models import Answer, Attempt
from tutorials.diagnostics.models import ItemType

from .helpers import Cast, make_cast, open_campaign


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _race(district: District, attempt_id: int, calls: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run the calls in threads that all reach the attempt's row lock while this thread holds it,
    then let them go at once."""
    results: dict[str, Any] = {}

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            with tenant_context(district.centre):
                results[name] = call()
        except Exception as exc:
            results[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name, call)) for name, call in calls.items()]
    with transaction.atomic():
        Attempt.objects.select_for_update().get(pk=attempt_id)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while _waiting_on_locks() < len(threads):
            assert time.monotonic() < deadline, f"the calls never met at the lock: {results}"
            time.sleep(0.02)
    for thread in threads:
        thread.join(30)
    return results


def _setup(district: District, **campaign: Any) -> tuple[Cast, Attempt]:
    with tenant_context(district.centre):
        cast = make_cast(district)
        opened = open_campaign(cast, **campaign)
        attempt = services.attempt_start(campaign_id=opened.pk, membership=cast.teacher)
    return cast, attempt


def test_a_double_submit_submits_once(district: District, committed_db: None) -> None:
    cast, attempt = _setup(district)
    user = cast.user("teacher")
    with tenant_context(district.centre):
        results = _race(
            district,
            attempt.pk,
            {
                "first": lambda: services.attempt_submit(attempt_id=attempt.pk, user=user),
                "second": lambda: services.attempt_submit(attempt_id=attempt.pk, user=user),
            },
        )
        kinds = sorted(type(v).__name__ for v in results.values())
        assert kinds == ["Attempt", "AttemptSubmittedError"], results
        attempt.refresh_from_db()
        assert attempt.status != Attempt.Status.IN_PROGRESS and not attempt.submitted_automatically


def test_a_submit_racing_the_automatic_one_submits_once(district: District, committed_db: None) -> None:
    cast, attempt = _setup(district, minutes=1)
    user = cast.user("teacher")
    after = attempt.deadline + timedelta(seconds=1)
    results: dict[str, Any] = {}

    def teacher_submits() -> None:
        try:
            with tenant_context(district.centre), translation.override("en"):
                results["teacher"] = services.attempt_submit(attempt_id=attempt.pk, user=user, now=after)
        except Exception as exc:
            results["teacher"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=teacher_submits)
    with tenant_context(district.centre):
        with transaction.atomic():
            # The beat job has submitted the attempt and not yet committed when the teacher clicks.
            assert services.attempts_submit_due(now=after) >= 1
            thread.start()
            deadline = time.monotonic() + 20
            while _waiting_on_locks() < 1:
                assert time.monotonic() < deadline, results
                time.sleep(0.02)
        thread.join(30)
        assert isinstance(results["teacher"], AttemptSubmittedError), results
        assert "automatically" in str(results["teacher"])
        attempt.refresh_from_db()
        assert attempt.submitted_automatically and attempt.submitted_at == attempt.deadline


def _submit_and_sweep_at_once(district: District) -> None:
    cast, attempt = _setup(district, minutes=1)
    user = cast.user("teacher")
    after = attempt.deadline + timedelta(seconds=1)
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            with tenant_context(district.centre):
                barrier.wait(10)
                results[name] = call()
        except Exception as exc:
            results[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run,
            args=("teacher", lambda: services.attempt_submit(attempt_id=attempt.pk, user=user, now=after)),
        ),
        threading.Thread(target=run, args=("beat", lambda: services.attempts_submit_due(now=after))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # Exactly one of them submitted: the beat job skips a row the teacher holds, and the
    # teacher is told when the beat job was first.  (Other tests' attempts may be due too.)
    assert isinstance(results["beat"], int), results
    assert isinstance(results["teacher"], Attempt | AttemptSubmittedError), results
    with tenant_context(district.centre):
        attempt.refresh_from_db()
        assert attempt.status != Attempt.Status.IN_PROGRESS and attempt.submitted_automatically
        submissions = AuditEvent.objects.filter(action="diagnostics.attempt_submit", data__attempt=attempt.pk)
        assert submissions.count() == (1 if isinstance(results["teacher"], Attempt) else 0)


def test_a_submit_and_the_beat_job_at_the_same_moment_submit_once(
    district: District, committed_db: None
) -> None:
    for _round in range(3):
        _submit_and_sweep_at_once(district)


def test_an_answer_racing_the_deadline_submission_is_refused_and_changes_nothing(
    district: District, committed_db: None
) -> None:
    cast, attempt = _setup(district, minutes=1)
    user = cast.user("teacher")
    single = cast.versions[ItemType.SINGLE]
    with tenant_context(district.centre):
        services.answer_save(attempt_id=attempt.pk, user=user, version_id=single.pk, response={"choice": "b"})
        after = attempt.deadline + timedelta(seconds=1)
        answer_started = threading.Event()
        results: dict[str, Any] = {}

        def late_answer() -> None:
            try:
                with tenant_context(district.centre):
                    answer_started.set()
                    # Sent a moment before the deadline, it reaches the lock while the beat job submits.
                    results["answer"] = services.answer_save(
                        attempt_id=attempt.pk, user=user, version_id=single.pk, response={"choice": "a"}
                    )
            except Exception as exc:
                results["answer"] = exc
            finally:
                connection.close()

        thread = threading.Thread(target=late_answer)
        with transaction.atomic():
            # The automatic submission holds the attempt ...
            due = Attempt.objects.select_for_update().get(pk=attempt.pk)
            thread.start()
            answer_started.wait(10)
            deadline = time.monotonic() + 20
            while _waiting_on_locks() < 1:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            # ... and submits it while the answer waits.
            from tutorials.diagnostics.campaigns.services.attempts import _submit

            _submit(due, after, automatically=True)
        thread.join(30)
        assert isinstance(results["answer"], AttemptSubmittedError), results
        answer = Answer.objects.get(attempt_id=attempt.pk, version=single)
        assert answer.response == {"choice": "b"} and answer.saves == 1
        attempt.refresh_from_db()
        assert attempt.score is not None and attempt.score >= 1  # the answer in time counted


def test_two_devices_starting_at_once_share_one_attempt(district: District, committed_db: None) -> None:
    with tenant_context(district.centre):
        cast = make_cast(district)
        campaign = open_campaign(cast, now=timezone.now())
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def start(name: str) -> None:
        try:
            with tenant_context(district.centre):
                barrier.wait(10)
                results[name] = services.attempt_start(campaign_id=campaign.pk, membership=cast.teacher)
        except Exception as exc:
            results[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=(n,)) for n in ("laptop", "phone")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with tenant_context(district.centre):
        assert {type(v).__name__ for v in results.values()} == {"Attempt"}, results
        assert results["laptop"].pk == results["phone"].pk
        assert Attempt.objects.filter(campaign=campaign).count() == 1
