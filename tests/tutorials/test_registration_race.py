"""A registration rush against real PostgreSQL: threads with their own connections, data committed."""

from __future__ import annotations

import threading
from collections import Counter

from django.db import connection
from django_tenants.utils import tenant_context

from tests.conftest import District
from tests.factories import SubjectFactory
from tutorials.errors import TutorialFullError
from tutorials.models import Registration, Tutorial

from .factories import organiser_in, published, register, teacher_of


def test_a_rush_for_few_places_never_overfills(district: District, committed_db: None) -> None:
    places, people = 5, 24
    with tenant_context(district.centre):
        tutorial = published(organiser_in(district.centre), capacity=places)
        teachers = [teacher_of(district.school_a if i % 2 else district.school_b) for i in range(people)]
        # Committed data outlives the test: with a subject, these teachers stay out of the
        # "staff without subjects" lists that other tests of the same database read.
        subject = SubjectFactory()
        for teacher in teachers:
            teacher.subjects.add(subject)
    barrier = threading.Barrier(people)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(index: int) -> None:
        try:
            with tenant_context(district.centre):
                connection.ensure_connection()
                barrier.wait(timeout=30)
                # Half ask to be waitlisted when full, half do not.
                outcome = register(tutorial, teachers[index], waitlist=index % 2 == 0).status
        except TutorialFullError:
            outcome = "refused"
        except Exception as error:
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    tally = Counter(outcomes)
    assert not [o for o in tally if o.startswith("error")], tally
    assert tally[Registration.Status.CONFIRMED] == places
    assert tally[Registration.Status.WAITLISTED] + tally["refused"] == people - places
    with tenant_context(district.centre):
        tutorial.refresh_from_db()
        assert tutorial.places_taken == places
        assert (
            Registration.objects.filter(tutorial=tutorial, status=Registration.Status.CONFIRMED).count()
            == places
        )
        Tutorial.objects.filter(pk=tutorial.pk).update(status=Tutorial.Status.CANCELLED)


def test_two_reminder_sweeps_at_once_send_each_reminder_once(district: District, committed_db: None) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import Kind, Notification
    from tutorials.models import SessionReminder
    from tutorials.services import reminders_send

    first = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    starts = [first, first + timedelta(hours=3)]
    with tenant_context(district.centre):
        tutorial = published(
            organiser_in(district.centre), sessions=[(s, s + timedelta(hours=2)) for s in starts], capacity=5
        )
        teachers = [teacher_of(district.school_a) for _ in range(3)]
        subject = SubjectFactory()
        for teacher in teachers:
            teacher.subjects.add(subject)
            register(tutorial, teacher)
    now = first - timedelta(hours=20)  # both sessions within 24 h: 3 people x 2 sessions are due
    barrier = threading.Barrier(2)
    sent: list[object] = []
    lock = threading.Lock()

    def sweep() -> None:
        try:
            with tenant_context(district.centre):
                connection.ensure_connection()
                barrier.wait(timeout=30)
                result: object = reminders_send(now=now)
        except Exception as error:
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            sent.append(result)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(sent) == 2 and all(isinstance(n, int) for n in sent), sent
    assert sum(sent) == 6  # type: ignore[arg-type]
    with tenant_context(district.centre):
        assert SessionReminder.objects.filter(registration__tutorial=tutorial).count() == 6
        assert reminders_send(now=now) == 0
        people = [t.user for t in teachers]
        assert Notification.objects.filter(recipient__in=people, kind=Kind.TUTORIAL_REMINDER).count() == 6
        Tutorial.objects.filter(pk=tutorial.pk).update(status=Tutorial.Status.CANCELLED)
