"""Two methodologists acting on one request at the same moment: the row lock lets one through
and refuses the other with the status the first one left.  Committed data, real threads, each
with its own PostgreSQL connection."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db import connection, transaction
from django_tenants.utils import schema_context

from consultations.help_hour import services
from consultations.help_hour.models import HelpHourRequest, RequestEvent, Status
from consultations.help_hour.workflow import IllegalTransitionError
from notifications.models import Kind, Notification
from tests.conftest import District
from tests.help_hour.helpers import make_cast, new_request


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        # pg_stat_activity is a snapshot held for the whole transaction unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def test_two_methodologists_cannot_both_move_the_same_request(district: District, committed_db: None) -> None:
    cast = make_cast(district)
    request = new_request(cast)
    results: dict[str, Any] = {}

    def act(name: str, call: Any) -> None:
        try:
            results[name] = call()
        except Exception as exc:
            results[name] = exc
        finally:
            connection.close()

    accept = threading.Thread(
        target=act,
        args=(
            "accept",
            lambda: services.request_accept(
                request_id=request.pk, actor=cast.user("methodologist"), membership=cast.methodologist
            ),
        ),
    )
    reject = threading.Thread(
        target=act,
        args=(
            "reject",
            lambda: services.request_reject(
                request_id=request.pk,
                actor=cast.user("methodologist2"),
                membership=cast.methodologist2,
                reason="Дубликат заявки",
            ),
        ),
    )
    # Hold the row so both methodologists are surely inside their transactions, waiting, at once.
    with schema_context("centre"), transaction.atomic():
        HelpHourRequest.objects.select_for_update().get(pk=request.pk)
        accept.start()
        reject.start()
        deadline = time.monotonic() + 20
        while _waiting_on_locks() < 2:
            assert time.monotonic() < deadline, f"the two methodologists never met at the lock: {results}"
            time.sleep(0.02)
    accept.join(30)
    reject.join(30)

    outcomes = {name: type(value).__name__ for name, value in results.items()}
    winners = [name for name, value in results.items() if isinstance(value, HelpHourRequest)]
    losers = [name for name, value in results.items() if isinstance(value, IllegalTransitionError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    winner_status = results[winners[0]].status
    # The loser was told the status the winner left.
    assert results[losers[0]].status_value == winner_status
    with schema_context("centre"):
        assert HelpHourRequest.objects.get(pk=request.pk).status == winner_status
        moves = list(
            RequestEvent.objects.filter(request_id=request.pk, from_status=Status.SUBMITTED).values_list(
                "to_status", flat=True
            )
        )
    assert moves == [winner_status]
    kind = Kind.HELP_HOUR_ACCEPTED if winners == ["accept"] else Kind.HELP_HOUR_REJECTED
    other = Kind.HELP_HOUR_REJECTED if winners == ["accept"] else Kind.HELP_HOUR_ACCEPTED
    assert Notification.objects.filter(recipient=cast.user("requester"), kind=kind).count() == 1
    assert not Notification.objects.filter(recipient=cast.user("requester"), kind=other).exists()
