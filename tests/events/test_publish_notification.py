"""Publishing a methodological week tells its audience, once; nobody outside it."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from accounts.models import Role
from notifications.models import Kind, Notification
from tests.conftest import member
from tutorials.events import services
from tutorials.events.models import Event

from .helpers import Cast, week


def _told(event: Event, *users: object) -> dict[object, int]:
    notes = Notification.objects.filter(kind=Kind.TUTORIAL_PUBLISHED, link__endswith=f"/events/{event.pk}/")
    return {user: notes.filter(recipient=user).count() for user in users}


def test_publishing_tells_every_teacher_of_the_districts_schools_once_and_not_the_organiser(
    cast: Cast,
) -> None:
    tutor = member(cast.district.centre, Role.TUTOR, language="en")
    event, _blocks, _tracks = week(cast.organiser, publish=False)
    everyone = [m.user for m in cast.teachers] + [cast.other_school_teacher.user, tutor.user]
    assert set(_told(event, *everyone).values()) == {0}  # a draft tells nobody

    services.event_publish(actor=cast.organiser.user, membership=cast.organiser, event_id=event.pk)
    assert set(_told(event, *everyone).values()) == {1}
    assert _told(event, cast.organiser.user) == {cast.organiser.user: 0}
    note = Notification.objects.get(kind=Kind.TUTORIAL_PUBLISHED, recipient=cast.teachers[0].user)
    assert "Методическая неделя" in note.subject and note.link.endswith(f"/events/{event.pk}/")

    # Publishing again (a second click, a retried request) tells nobody a second time.
    services.event_publish(actor=cast.organiser.user, membership=cast.organiser, event_id=event.pk)
    assert set(_told(event, *everyone).values()) == {1}


def test_a_week_for_chosen_schools_is_not_announced_to_another_school(cast: Cast) -> None:
    school_a = cast.district.school_a
    event, _blocks, _tracks = week(
        cast.organiser, audience=Event.Audience.SCHOOLS, audience_school_ids=[school_a.pk]
    )
    assert set(_told(event, *[m.user for m in cast.teachers]).values()) == {1}
    assert _told(event, cast.other_school_teacher.user) == {cast.other_school_teacher.user: 0}


def test_a_schools_own_week_is_announced_in_that_school_only(cast: Cast) -> None:
    district = cast.district
    with tenant_context(district.school_a):
        admin = member(district.school_a, Role.SCHOOL_ADMIN, language="en")
        event, _blocks, _tracks = week(admin)
        told_here = _told(event, *[m.user for m in cast.teachers], cast.other_school_teacher.user)
    assert [told_here[m.user] for m in cast.teachers] == [1] * len(cast.teachers)
    assert told_here[cast.other_school_teacher.user] == 0
    assert not Notification.objects.filter(
        recipient=cast.other_school_teacher.user, kind=Kind.TUTORIAL_PUBLISHED
    ).exists()
