"""Live slot updates: tell open pages that a slot's free places changed (issue 3, "Live").

The services call :func:`slot_changed` inside their transaction after each
change of a slot (booked, cancelled, rescheduled, waitlist offer, slots
regenerated).  Nothing is pushed before the transaction commits; a rolled-back
booking pushes nothing.  All slots one transaction touched are pushed together
after the commit, in one event-loop run, with their committed state: as the
service left the locked slot (its last report), or re-read after the commit
when it was reported inside a savepoint, which may have been rolled back.

Groups carry the organisation's schema, so a socket opened on one
organisation's host never hears of another organisation's slots:
``{schema}.slots.tutor.{tutor_id}``: every slot belongs to one tutor, and a page
showing one offering listens to its tutor's group (``consumers.SlotConsumer``), so
one ``group_send`` per change reaches every page (two cost 0.8 ms of the server's
CPU per booking, bench/booking_contention.py).

A failed push never breaks a booking: it is logged, and the page shows the
right state on its next load.

Under the ASGI server the push is handed to the server's event loop and the
request does not wait for it (bench/booking_contention.py: waiting for a busy
loop held the request's thread and its pooled database connection for a third
of the request).  Elsewhere (a Celery task, a command, a test calling a
service directly) it is sent before ``slot_changed``'s commit hook returns.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django_tenants.utils import schema_context

from notifications.services import server_loop

logger = logging.getLogger(__name__)

# The event type the consumer handles (``slot.update`` -> ``slot_update``).
EVENT_ONE = "slot.update"
# Several slots of one group in one message (``slot.batch`` -> ``slot_batch``).
EVENT_BATCH = "slot.batch"


def tutor_group(schema: str, tutor_id: int) -> str:
    return f"{schema}.slots.tutor.{tutor_id}"


class _PendingSlots:
    """The slots one transaction changed, per schema, pushed once on commit.

    A slot reported with no savepoint open is pushed as the service left it (its
    state at the last report): the service holds the slot's row lock and writes
    its counters from that very object, so it is what commits.  A slot reported
    inside a savepoint (which may still be rolled back) or with deferred fields
    is re-read after the commit instead.
    """

    def __init__(self) -> None:
        self.by_schema: dict[str, set[int]] = {}
        self.states: dict[tuple[str, int], dict[str, Any] | None] = {}

    def add(self, schema: str, slot_id: int, state: dict[str, Any] | None = None) -> None:
        self.by_schema.setdefault(schema, set()).add(slot_id)
        key = (schema, slot_id)
        if key in self.states and self.states[key] is None:
            return  # once re-read, always re-read
        self.states[key] = state

    def flush(self) -> None:
        pending, self.by_schema = self.by_schema, {}
        states, self.states = self.states, {}
        for schema, slot_ids in pending.items():
            try:
                known = [states.get((schema, pk)) for pk in sorted(slot_ids)]
                if all(state is not None for state in known):
                    push_slots(schema, known)  # type: ignore[arg-type]
                else:
                    push_slots(schema, _slot_states(schema, slot_ids))
            except Exception:  # the booking is committed; never let a push break it
                logger.warning("Live push of slots %s in %s failed", sorted(slot_ids), schema, exc_info=True)


_STATE_FIELDS = frozenset({"capacity", "booked", "offered", "is_cancelled", "offering_id", "tutor_id"})


def _known_state(slot: Any, db: Any) -> dict[str, Any] | None:
    """The slot's state as the service left it, or None when it must be re-read after the commit."""
    if db.savepoint_ids or not hasattr(slot, "get_deferred_fields"):
        return None
    deferred = slot.get_deferred_fields()
    if deferred & _STATE_FIELDS or {"offering", "tutor"} & deferred:
        return None
    return slot_state(slot)


def slot_changed(slot: Any) -> None:
    """Push the slot's new state to open pages once the current transaction commits.

    Call it inside the service's transaction; several calls in one transaction
    make one push.  Outside a transaction the push happens at once.
    """
    try:
        schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' backend
        db = transaction.get_connection()
        if not db.in_atomic_block:
            push_slots(schema, _slot_states(schema, {slot.pk}))
            return
        pending: _PendingSlots | None = getattr(db, "_live_slots_pending", None)
        if pending is None or not any(entry[1] == pending.flush for entry in db.run_on_commit):
            pending = _PendingSlots()
            db._live_slots_pending = pending  # type: ignore[attr-defined]
            transaction.on_commit(pending.flush)
        pending.add(schema, slot.pk, _known_state(slot, db))
    except Exception:
        logger.warning(
            "Could not schedule the live push of slot %s", getattr(slot, "pk", None), exc_info=True
        )


def slot_state(slot: Any) -> dict[str, Any]:
    """What a page needs to show a slot: its free places (0 for a cancelled slot)."""
    return {
        "id": slot.pk,
        "free": 0 if slot.is_cancelled else slot.free_places,
        "capacity": slot.capacity,
        "booked": slot.booked,
        "cancelled": slot.is_cancelled,
        "offering": slot.offering_id,
        "tutor": slot.tutor_id,
    }


def _slot_states(schema: str, slot_ids: set[int]) -> list[dict[str, Any]]:
    from .models import Slot

    fields = ("pk", "capacity", "booked", "offered", "is_cancelled", "offering_id", "tutor_id")
    if connection.schema_name == schema:  # type: ignore[attr-defined]
        slots = list(Slot.objects.filter(pk__in=slot_ids).only(*fields))
    else:
        with schema_context(schema):
            slots = list(Slot.objects.filter(pk__in=slot_ids).only(*fields))
    return [slot_state(slot) for slot in sorted(slots, key=lambda s: s.pk)]


def group_messages(schema: str, states: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """One message per group: a single slot as ``slot.update``, several as ``slot.batch``."""
    per_group: dict[str, list[dict[str, Any]]] = {}
    for state in states:
        per_group.setdefault(tutor_group(schema, state["tutor"]), []).append(state)
    messages = []
    for group, group_states in per_group.items():
        if len(group_states) == 1:
            messages.append((group, {"type": EVENT_ONE, **group_states[0]}))
        else:
            messages.append((group, {"type": EVENT_BATCH, "slots": group_states}))
    return messages


def push_slots(schema: str, states: list[dict[str, Any]]) -> None:
    """Send the slots' states to their tutors' groups (one event-loop run).

    Under the ASGI server this only schedules the sends on the server's loop.
    """
    layer = get_channel_layer()
    if layer is None or not states:
        return
    messages = group_messages(schema, states)

    async def send_all() -> None:
        try:
            for group, message in messages:
                await layer.group_send(group, message)
        except Exception:  # a page that missed the push shows the right state on reload
            logger.warning("Live push of %s slot messages failed", len(messages), exc_info=True)

    if not _schedule(send_all()):
        async_to_sync(send_all)()


# Pushes scheduled on the server's loop and not finished yet (a reference keeps each alive).
_in_flight: set[concurrent.futures.Future[None]] = set()


def _schedule(coroutine: Coroutine[Any, Any, None]) -> bool:
    """Run ``coroutine`` on the server's loop without waiting for it; False when there is none."""
    loop = server_loop()
    try:
        if loop is None:
            raise RuntimeError("no server loop")
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
    except RuntimeError:  # none, or it closed meanwhile: the caller sends it itself
        coroutine.close()
        return False
    _in_flight.add(future)
    future.add_done_callback(_in_flight.discard)
    return True
