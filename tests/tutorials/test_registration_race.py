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
