"""Pins on the private internals the project still relies on: each test fails on the upgrade
that changes them, instead of the feature failing silently in production.

* ``connection.run_on_commit`` entries are ``(savepoint ids, callable, robust)`` tuples:
  ``notifications.services._queue_delivery_on_commit`` and ``consultations.live`` look for
  their flush there, to register it once per transaction and again after a rollback.
* asgiref's ``SyncToAsync.threadlocal`` records the server's event loop in every thread it
  runs sync code in: ``notifications.services.server_loop`` reads it.
* pytest-django's ``fixtures._get_databases_for_setup(items)`` is wrapped by tests/conftest.py
  so that ``committed_db`` tests get the database set up.
"""

from __future__ import annotations

import asyncio
import inspect
import os

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from django.db import connection, transaction

from notifications.services import server_loop


@pytest.mark.django_db
def test_run_on_commit_entries_are_tuples_with_the_callable_second() -> None:
    def flush() -> None:
        pass

    with transaction.atomic():
        transaction.on_commit(flush)
        entries = list(connection.run_on_commit)
        assert entries and all(isinstance(entry, tuple) and len(entry) == 3 for entry in entries)
        assert any(entry[1] == flush for entry in connection.run_on_commit)
        # After a rolled-back savepoint the callback is gone: what the services detect.
        try:
            with transaction.atomic():
                transaction.on_commit(flush)
                raise RuntimeError
        except RuntimeError:
            pass
        assert sum(entry[1] == flush for entry in connection.run_on_commit) == 1


def test_sync_to_async_threads_know_the_servers_event_loop() -> None:
    assert isinstance(SyncToAsync.threadlocal, type(SyncToAsync.threadlocal))

    def in_a_worker_thread() -> tuple[object, object, object]:
        local = SyncToAsync.threadlocal
        return (
            getattr(local, "main_event_loop", None),
            getattr(local, "main_event_loop_pid", None),
            server_loop(),
        )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        recorded, pid, found = await sync_to_async(in_a_worker_thread, thread_sensitive=False)()
        assert recorded is loop and pid == os.getpid() and found is loop

    asyncio.run(main())
    assert server_loop() is None  # outside the server: no loop


def test_pytest_django_still_decides_the_databases_to_set_up_in_the_wrapped_function() -> None:
    from pytest_django import fixtures

    wrapped = fixtures._get_databases_for_setup
    assert wrapped.__name__ == "databases_for_setup"  # tests/conftest.py's wrapper is in place
    assert list(inspect.signature(wrapped).parameters) == ["items"]
    original = inspect.getclosurevars(wrapped).nonlocals["original"]
    assert original.__module__ == "pytest_django.fixtures"
    assert list(inspect.signature(original).parameters) == ["items"]
