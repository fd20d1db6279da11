"""Every step tells the people it concerns through the outbox, exactly once each."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from consultations.help_hour import services
from consultations.help_hour.workflow import IllegalTransitionError
from notifications.models import Kind, Notification
from tests.help_hour.helpers import Cast, accepted_request, new_request, schedule


def _outbox_since(last_id: int) -> Counter[tuple[int, str]]:
    return Counter(
        Notification.objects.filter(pk__gt=last_id, kind__startswith="help_hour_").values_list(
            "recipient_id", "kind"
        )
    )


def _mark() -> int:
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def _expect(cast: Cast, kind: str, *names: str) -> Counter[tuple[int, str]]:
    return Counter({(cast.user(n).pk, kind): 1 for n in names})


def test_each_step_notifies_each_concerned_person_exactly_once(cast: Cast) -> None:
    methodologist, tutor = cast.user("methodologist"), cast.user("tutor")
    # A draft tells nobody.
    mark = _mark()
    draft = new_request(cast, submit=False)
    assert _outbox_since(mark) == Counter()

    mark = _mark()
    services.request_submit(request_id=draft.pk, actor=cast.user("requester"), membership=cast.requester)
    assert _outbox_since(mark) == _expect(
        cast, Kind.HELP_HOUR_SUBMITTED, "colleague", "school_admin", "methodologist", "methodologist2"
    )

    mark = _mark()
    services.request_return(
        request_id=draft.pk, actor=methodologist, membership=cast.methodologist, question="?"
    )
    assert _outbox_since(mark) == _expect(
        cast, Kind.HELP_HOUR_RETURNED, "requester", "colleague", "school_admin"
    )

    mark = _mark()
    services.request_submit(
        request_id=draft.pk, actor=cast.user("school_admin"), membership=cast.school_admin
    )
    assert _outbox_since(mark) == _expect(
        cast, Kind.HELP_HOUR_SUBMITTED, "requester", "colleague", "methodologist", "methodologist2"
    )

    mark = _mark()
    services.request_assign_tutor(
        request_id=draft.pk, tutor_id=tutor.pk, actor=methodologist, membership=cast.methodologist
    )
    assert _outbox_since(mark) == _expect(
        cast, Kind.HELP_HOUR_TUTOR_ASSIGNED, "requester", "colleague", "school_admin", "tutor"
    )

    mark = _mark()
    services.request_accept(request_id=draft.pk, actor=methodologist, membership=cast.methodologist)
    assert _outbox_since(mark) == _expect(
        cast, Kind.HELP_HOUR_ACCEPTED, "requester", "colleague", "school_admin", "tutor"
    )


def test_a_session_step_over_merged_requests_tells_each_person_once(cast: Cast) -> None:
    # The school admin and the colleague are concerned by both requests.
    a = accepted_request(cast, participants=("requester", "colleague"))
    b = accepted_request(cast, by="school_admin", participants=("colleague", "outsider"))
    c = accepted_request(cast, by="other_teacher", participants=("other_teacher",))
    mark = _mark()
    starts = timezone.now() + timedelta(days=1)
    session = schedule(cast, [a, b, c], starts_at=starts)
    expected = _expect(
        cast,
        Kind.HELP_HOUR_SCHEDULED,
        "requester",
        "colleague",
        "school_admin",
        "outsider",
        "other_teacher",
        "other_admin",
        "tutor",
    )
    assert _outbox_since(mark) == expected

    mark = _mark()
    services.session_mark_held(
        session_id=session.pk,
        actor=cast.user("tutor"),
        membership=cast.tutor,
        now=starts + timedelta(minutes=5),
    )
    held = Counter({(user, Kind.HELP_HOUR_HELD): n for (user, _kind), n in expected.items()})
    del held[(cast.user("tutor").pk, Kind.HELP_HOUR_HELD)]  # the actor is not told of their own step
    assert _outbox_since(mark) == held


def test_notifications_are_written_in_the_recipients_language_with_a_link_to_their_own_site(
    cast: Cast,
) -> None:
    User.objects.filter(pk=cast.user("colleague").pk).update(language="en")
    User.objects.filter(pk=cast.user("school_admin").pk).update(language="ru")
    request = new_request(cast)
    services.request_reject(
        request_id=request.pk,
        actor=cast.user("methodologist"),
        membership=cast.methodologist,
        reason="Дубликат",
    )
    english = Notification.objects.get(recipient=cast.user("colleague"), kind=Kind.HELP_HOUR_REJECTED)
    assert english.subject == f"Help Hour №{request.pk}: Rejected"
    assert "The centre has rejected the request." in english.body and "Reason: Дубликат" in english.body
    assert english.link.startswith("http://school1.localhost") and english.link.endswith(
        f"/consultations/help-hour/{request.pk}/"
    )
    assert english.organisation_id == cast.district.centre.pk
    russian = Notification.objects.get(recipient=cast.user("school_admin"), kind=Kind.HELP_HOUR_REJECTED)
    assert russian.body.count("Дубликат") == 1
    methodologists = Notification.objects.filter(
        recipient=cast.user("methodologist2"), kind=Kind.HELP_HOUR_SUBMITTED
    ).get()
    assert "centre.localhost" in methodologists.link and "/help-hour/centre/" in methodologists.link


def test_a_refused_step_writes_no_notification(cast: Cast) -> None:
    request = new_request(cast, submit=False)
    mark = _mark()
    with pytest.raises(IllegalTransitionError):
        services.request_accept(
            request_id=request.pk, actor=cast.user("methodologist"), membership=cast.methodologist
        )
    assert _outbox_since(mark) == Counter()
