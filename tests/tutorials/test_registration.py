"""Registration, the waiting list with timed offers, approval, cancel and move with .ics, reminders."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone, translation

from consultations.ics import local_time
from notifications.models import Kind, Notification
from tenants.models import Organisation
from tests.conftest import District
from tutorials.errors import ConflictError, RegistrationClosedError, TutorialFullError
from tutorials.models import Registration, SessionReminder, Tutorial
from tutorials.services import (
    registration_cancel,
    registration_decide,
    reminders_send,
    tutorial_cancel,
    tutorial_message,
    tutorial_move,
    waitlist_accept,
    waitlist_expire_offers,
)
from tutorials.services.registration import OFFER_TTL

from .factories import organiser_in, published, register, teacher_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def _last(user_id: int, kind: str) -> Notification:
    return Notification.objects.filter(recipient_id=user_id, kind=kind).order_by("-pk").first()  # type: ignore[return-value]


def test_registration_confirms_and_sends_an_ics_invitation(district: District, centre: Organisation) -> None:
    tutorial = published(organiser_in(centre))
    teacher = teacher_of(district.school_a)
    registration = register(tutorial, teacher)
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.school_id == district.school_a.pk
    tutorial.refresh_from_db()
    assert tutorial.places_taken == 1
    note = _last(teacher.user.pk, Kind.TUTORIAL_REGISTRATION)
    calendar = icalendar.Calendar.from_ical(note.attachment_content)
    assert calendar["method"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["summary"]) == tutorial.title
    assert event["dtstart"].dt == tutorial.starts_at


def test_second_registration_of_the_same_teacher_is_refused(district: District, centre: Organisation) -> None:
    tutorial = published(organiser_in(centre))
    teacher = teacher_of(district.school_a)
    register(tutorial, teacher)
    with pytest.raises(ConflictError, match="already registered"):
        register(tutorial, teacher)


def test_a_full_tutorial_waitlists_or_refuses(district: District, centre: Organisation) -> None:
    tutorial = published(organiser_in(centre), capacity=1)
    register(tutorial, teacher_of(district.school_a))
    waiting = register(tutorial, teacher_of(district.school_a))
    assert waiting.status == Registration.Status.WAITLISTED
    with pytest.raises(TutorialFullError):
        register(tutorial, teacher_of(district.school_b), waitlist=False)


def test_a_freed_place_is_offered_to_the_next_in_line_and_passes_on_when_not_taken(
    district: District, centre: Organisation
) -> None:
    tutorial = published(organiser_in(centre), capacity=1)
    first = teacher_of(district.school_a)
    holder = register(tutorial, first)
    second, third = teacher_of(district.school_a), teacher_of(district.school_b)
    wait_2 = register(tutorial, second)
    wait_3 = register(tutorial, third)
    registration_cancel(registration=holder, actor=first.user)
    wait_2.refresh_from_db()
    assert wait_2.status == Registration.Status.OFFERED
    assert wait_2.offer_expires_at is not None and wait_2.offer_expires_at <= timezone.now() + OFFER_TTL
    assert _last(second.user.pk, Kind.TUTORIAL_WAITLIST_OFFER) is not None
    # Nobody takes it: the beat job passes it on.
    assert waitlist_expire_offers(now=wait_2.offer_expires_at + timedelta(seconds=1)) == 1
    wait_2.refresh_from_db()
    wait_3.refresh_from_db()
    assert wait_2.status == Registration.Status.CANCELLED
    assert wait_3.status == Registration.Status.OFFERED
    accepted = waitlist_accept(registration=wait_3, actor=third.user)
    assert accepted.status == Registration.Status.CONFIRMED
    tutorial.refresh_from_db()
    assert tutorial.places_taken == 1
    with pytest.raises(ConflictError, match="expired"):
        waitlist_accept(registration=wait_2, actor=second.user)


def test_a_teacher_can_leave_the_waiting_list(district: District, centre: Organisation) -> None:
    tutorial = published(organiser_in(centre), capacity=1)
    register(tutorial, teacher_of(district.school_a))
    teacher = teacher_of(district.school_b)
    waiting = register(tutorial, teacher)
    left = registration_cancel(registration=waiting, actor=teacher.user)
    assert left.status == Registration.Status.CANCELLED
    tutorial.refresh_from_db()
    assert tutorial.places_taken == 1


def test_cancelling_after_the_deadline_is_refused(district: District, centre: Organisation) -> None:
    tutorial = published(organiser_in(centre))
    teacher = teacher_of(district.school_a)
    registration = register(tutorial, teacher)
    Tutorial.objects.filter(pk=tutorial.pk).update(
        registration_closes_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ConflictError, match="Cancelling is possible until"):
        registration_cancel(registration=registration, actor=teacher.user)
    with pytest.raises(RegistrationClosedError, match="closed"):
        register(tutorial, teacher_of(district.school_a))


def test_someone_else_cannot_cancel_a_registration(district: District, centre: Organisation) -> None:
    from tutorials.errors import PermissionDeniedError

    tutorial = published(organiser_in(centre))
    registration = register(tutorial, teacher_of(district.school_a))
    with pytest.raises(PermissionDeniedError):
        registration_cancel(registration=registration, actor=teacher_of(district.school_a).user)


def test_approval_holds_the_place_and_a_declined_one_goes_to_the_waiting_list(
    district: District, centre: Organisation
) -> None:
    tutor = organiser_in(centre)
    tutorial = published(tutor, capacity=1, requires_approval=True)
    asking = register(tutorial, teacher_of(district.school_a))
    assert asking.status == Registration.Status.PENDING
    waiting = register(tutorial, teacher_of(district.school_b))
    assert waiting.status == Registration.Status.WAITLISTED
    registration_decide(registration=asking, approve=False, actor=tutor.user, membership=tutor)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED


def test_unpublished_or_not_yet_open_registration_is_refused(
    district: District, centre: Organisation
) -> None:
    draft = published(organiser_in(centre), publish=False)
    with pytest.raises(RegistrationClosedError):
        register(draft, teacher_of(district.school_a))
    later = published(organiser_in(centre), registration_opens_at=timezone.now() + timedelta(days=1))
    with pytest.raises(RegistrationClosedError, match="opens"):
        register(later, teacher_of(district.school_a))


def test_a_teacher_outside_the_audience_cannot_register(district: District, centre: Organisation) -> None:
    tutorial = published(organiser_in(centre), audience_all=False, audience_school_ids=[district.school_a.pk])
    with pytest.raises(RegistrationClosedError, match="another audience"):
        register(tutorial, teacher_of(district.school_b))


def test_cancelling_the_tutorial_tells_everybody_with_a_cancelling_ics(
    district: District, centre: Organisation
) -> None:
    tutor = organiser_in(centre)
    tutorial = published(tutor, capacity=1)
    registered, waiting = teacher_of(district.school_a), teacher_of(district.school_b)
    register(tutorial, registered)
    register(tutorial, waiting)
    tutorial_cancel(tutorial=tutorial, reason="Болезнь ведущего", actor=tutor.user, membership=tutor)
    for person in (registered, waiting):
        note = _last(person.user.pk, Kind.TUTORIAL_CHANGED)
        assert "Болезнь ведущего" in note.body
        calendar = icalendar.Calendar.from_ical(note.attachment_content)
        assert calendar["method"] == "CANCEL"
        assert calendar.walk("VEVENT")[0]["status"] == "CANCELLED"
    assert not Registration.objects.filter(tutorial=tutorial, status__in=Registration.ACTIVE).exists()


def test_moving_the_tutorial_sends_the_updated_ics_with_the_same_uid(
    district: District, centre: Organisation
) -> None:
    tutor = organiser_in(centre)
    tutorial = published(tutor)
    teacher = teacher_of(district.school_a)
    register(tutorial, teacher)
    first = icalendar.Calendar.from_ical(
        _last(teacher.user.pk, Kind.TUTORIAL_REGISTRATION).attachment_content
    ).walk("VEVENT")[0]
    new_start = tutorial.starts_at + timedelta(days=2)
    tutorial_move(
        tutorial=tutorial,
        sessions=[(new_start, new_start + timedelta(hours=2))],
        actor=tutor.user,
        membership=tutor,
    )
    moved = icalendar.Calendar.from_ical(
        _last(teacher.user.pk, Kind.TUTORIAL_CHANGED).attachment_content
    ).walk("VEVENT")[0]
    assert moved["uid"] == first["uid"]
    assert int(moved["sequence"]) > int(first["sequence"])
    assert moved["dtstart"].dt == new_start


def test_the_organiser_messages_the_participants(district: District, centre: Organisation) -> None:
    tutor = organiser_in(centre)
    tutorial = published(tutor)
    teacher = teacher_of(district.school_a)
    register(tutorial, teacher)
    assert (
        tutorial_message(
            tutorial=tutorial, subject="Возьмите КИМ", body="Распечатки", actor=tutor.user, membership=tutor
        )
        == 1
    )
    assert "Распечатки" in _last(teacher.user.pk, Kind.TUTORIAL_MESSAGE).body


def test_reminders_24h_and_1h_are_sent_once(district: District, centre: Organisation) -> None:
    tutorial = published(organiser_in(centre), start=timezone.now() + timedelta(days=3))
    teacher = teacher_of(district.school_a)
    registration = register(tutorial, teacher)
    starts = tutorial.starts_at
    assert reminders_send(now=starts - timedelta(hours=30)) == 0
    assert reminders_send(now=starts - timedelta(hours=23)) == 1
    assert reminders_send(now=starts - timedelta(hours=22)) == 0
    assert reminders_send(now=starts - timedelta(minutes=50)) == 1
    assert reminders_send(now=starts - timedelta(minutes=40)) == 0
    assert sorted(
        SessionReminder.objects.filter(registration=registration).values_list("lead_hours", flat=True)
    ) == [1, 24]
    assert Notification.objects.filter(recipient=teacher.user, kind=Kind.TUTORIAL_REMINDER).count() == 2


def test_every_session_of_a_series_is_reminded_once_whatever_runs_again(
    district: District, centre: Organisation
) -> None:
    first = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    starts = [first, first + timedelta(days=7), first + timedelta(days=14)]
    tutorial = published(
        organiser_in(centre), sessions=[(start, start + timedelta(hours=2)) for start in starts]
    )
    teacher = teacher_of(district.school_a)
    register(tutorial, teacher)
    reminders = Notification.objects.filter(recipient=teacher.user, kind=Kind.TUTORIAL_REMINDER)
    for number, start in enumerate(starts, 1):
        for before in (timedelta(hours=23), timedelta(minutes=50)):
            assert reminders_send(now=start - before) == 1
            assert reminders_send(now=start - before) == 0  # the beat task again: nothing twice
            assert reminders_send(now=start - before + timedelta(minutes=5)) == 0
        assert reminders.count() == 2 * number
    subjects = [note.subject for note in reminders]
    for start in starts:  # each session's own time, not the first's
        assert sum(local_time(start, centre.zone) in subject for subject in subjects) == 2
    assert reminders_send(now=starts[-1] + timedelta(hours=1)) == 0


def test_after_an_outage_one_reminder_per_session_not_both(district: District, centre: Organisation) -> None:
    first = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    tutorial = published(
        organiser_in(centre),
        sessions=[
            (first, first + timedelta(hours=2)),
            (first + timedelta(hours=20), first + timedelta(hours=22)),
        ],
    )
    teacher = teacher_of(district.school_a)
    register(tutorial, teacher)
    # The sweep did not run for a day: 30 minutes before the first session, the second is 20.5 h away.
    assert reminders_send(now=first - timedelta(minutes=30)) == 2
    hours = sorted(
        SessionReminder.objects.filter(registration__user=teacher.user).values_list("lead_hours", flat=True)
    )
    assert hours == [1, 24]  # the first session: the 1-hour one only; the second: its 24-hour one


def test_moving_a_tutorial_makes_its_reminders_due_again(district: District, centre: Organisation) -> None:
    organiser = organiser_in(centre)
    tutorial = published(organiser, start=timezone.now() + timedelta(days=3))
    teacher = teacher_of(district.school_a)
    register(tutorial, teacher)
    assert reminders_send(now=tutorial.starts_at - timedelta(hours=23)) == 1
    new_start = tutorial.starts_at + timedelta(days=2)
    tutorial_move(
        tutorial=tutorial,
        sessions=[(new_start, new_start + timedelta(hours=2))],
        actor=organiser.user,
        membership=organiser,
    )
    assert reminders_send(now=new_start - timedelta(hours=23)) == 1


def test_the_beat_sweeps_run_in_each_organisation(district: District, centre: Organisation) -> None:
    from django.conf import settings

    from tutorials import tasks

    tutorial = published(organiser_in(centre), capacity=1)
    holder_teacher = teacher_of(district.school_a)
    holder = register(tutorial, holder_teacher)
    waiting = register(tutorial, teacher_of(district.school_b))
    registration_cancel(registration=holder, actor=holder_teacher.user)
    Registration.objects.filter(pk=waiting.pk).update(offer_expires_at=timezone.now() - timedelta(seconds=1))
    assert tasks.waitlist_expire_for([centre.pk, district.school_a.pk]) == 1
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CANCELLED
    scheduled = {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"tutorials.reminders_sweep", "tutorials.waitlist_expiry_sweep"} <= scheduled
