"""Every Help Hour list page costs the same number of queries for 3 rows as for 9 (a per-row
query would show), and merging requests into a session reloads them in a fixed number of
queries.  The rows are made through the services (tests.help_hour.helpers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import client_for
from tests.help_hour.helpers import Cast, accepted_request, new_request, schedule

BASE = "/consultations/help-hour"
CENTRE, SCHOOL1 = "centre.localhost", "school1.localhost"
PAGES = [
    ("requester", SCHOOL1, f"{BASE}/requests/"),
    ("school_admin", SCHOOL1, f"{BASE}/requests/"),
    ("methodologist", CENTRE, f"{BASE}/centre/"),
    ("tutor", CENTRE, f"{BASE}/centre/mine/"),
    ("methodologist", CENTRE, f"{BASE}/centre/figures/"),
]


def _grow(cast: Cast, k: int, made: list[int]) -> None:
    for _ in range(k):
        i = len(made)
        made.append(i)
        new_request(cast)  # waiting in the queue
        held = accepted_request(cast)  # with a session the tutor sees
        schedule(cast, [held], starts_at=timezone.now() + timedelta(days=2, hours=i))


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def test_every_help_hour_list_page_costs_the_same_queries_for_3_rows_as_for_9(cast: Cast) -> None:
    made: list[int] = []
    _grow(cast, 3, made)
    clients = {(who, host): client_for(cast.user(who), host) for who, host, _url in PAGES}

    def measure() -> dict[str, int]:
        return {f"{who} {url}": _queries(clients[(who, host)], url) for who, host, url in PAGES}

    measure()  # warm the per-process caches (host, district membership)
    few = measure()
    _grow(cast, 6, made)
    many = measure()

    assert many == few


def test_merging_requests_into_a_session_reloads_them_in_a_fixed_number_of_queries(cast: Cast) -> None:
    """Scheduling (a merge) reloads the requests for the notifications all at once: the number of
    single-request loads (``... WHERE id = %s LIMIT 21``) does not grow with the requests."""

    def single_request_loads(count: int) -> int:
        requests = [accepted_request(cast) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            schedule(cast, requests, capacity=50, starts_at=timezone.now() + timedelta(days=5, hours=count))
        return sum(
            1
            for query in captured.captured_queries
            if 'FROM "consultations_helphourrequest"' in query["sql"] and "LIMIT 21" in query["sql"]
        )

    assert single_request_loads(2) == single_request_loads(6)
