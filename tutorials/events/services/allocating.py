"""Running the allocation of an event's tracks by the participants' ratings.

The solver is ``tutorials.events.allocation`` (networkx min-cost flow, as Moodle's
ratingallocate does it; its docstring states the tie-break).  Running it for a
block replaces the block's allocated and first-come assignments; assignments the
organiser made by hand are kept and their places taken out of the tracks before
solving, so a manual move survives a re-run.  The tracks' rows are locked for the
whole run, so nobody takes a place in the middle of it.  Each run is recorded
(``AllocationRun``): total satisfaction, the best each participant could have had,
who was left unassigned, which tracks are under their minimum size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from tutornet.errors import TutornetError

from ..allocation import TrackSpec, allocate_by_preferences
from ..models import AllocationRun, Assignment, Block, Event, Participant, Rating, Track
from ._common import acting, audit, managed_event


@dataclass(frozen=True)
class RunSummary:
    block_id: int
    satisfaction: int
    best_possible: int
    placed: int
    unassigned: list[int]
    under_minimum: list[int]


def _allocate_blocks(blocks: list[Block], participants: list[int], actor: User) -> list[RunSummary]:
    """Solve every block; read and write all blocks together (one statement each: the ratings,
    the hand-made assignments, the deletion, the new assignments, the counters, the runs)."""
    block_ids = [block.pk for block in blocks]
    tracks = list(Track.objects.select_for_update().filter(block_id__in=block_ids).order_by("pk"))
    manual: dict[int, dict[int, int]] = defaultdict(dict)
    for block_id, participant_id, track_id in Assignment.objects.filter(
        block_id__in=block_ids, how=Assignment.How.MANUAL
    ).values_list("block_id", "participant_id", "track_id"):
        manual[block_id][participant_id] = track_id
    Assignment.objects.filter(block_id__in=block_ids).exclude(how=Assignment.How.MANUAL).delete()
    ratings: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    registered = set(participants)
    for block_id, participant_id, track_id, value in Rating.objects.filter(
        track__block_id__in=block_ids, participant__event_id=blocks[0].day.event_id
    ).values_list("track__block_id", "participant_id", "track_id", "value"):
        if participant_id in registered:
            ratings[block_id][participant_id][track_id] = value
    by_block: dict[int, list[Track]] = defaultdict(list)
    for track in tracks:
        by_block[track.block_id].append(track)
    new: list[Assignment] = []
    runs: list[AllocationRun] = []
    summaries: list[RunSummary] = []
    for block in blocks:
        block_tracks, held, rated = by_block[block.pk], manual[block.pk], ratings[block.pk]
        taken: dict[int, int] = defaultdict(int)
        for track_id in held.values():
            taken[track_id] += 1
        ordered = sorted(block_tracks, key=lambda t: (t.position, t.pk))
        specs = [TrackSpec(t.pk, max(t.places - taken[t.pk], 0), t.min_size) for t in ordered]
        free = [p for p in participants if p not in held]
        result = allocate_by_preferences(free, specs, rated)
        new.extend(
            Assignment(participant_id=p, block=block, track_id=t, how=Assignment.How.ALLOCATED)
            for p, t in result.assignment.items()
        )
        sizes = dict(taken)
        for track_id in result.assignment.values():
            sizes[track_id] = sizes.get(track_id, 0) + 1
        for track in block_tracks:
            track.assigned = sizes.get(track.pk, 0)
        satisfaction = sum(rated[p].get(t, 0) for p, t in {**held, **result.assignment}.items())
        best = sum(max(rated[p].values(), default=0) for p in participants)
        under = [t.pk for t in block_tracks if t.min_size and sizes.get(t.pk, 0) < t.min_size]
        placed = len(held) + len(result.assignment)
        runs.append(
            AllocationRun(
                block=block,
                run_by=actor,
                satisfaction=satisfaction,
                best_possible=best,
                placed=placed,
                unassigned_ids=result.unassigned,
                under_minimum_ids=under,
            )
        )
        summaries.append(RunSummary(block.pk, satisfaction, best, placed, result.unassigned, under))
    Assignment.objects.bulk_create(new, batch_size=2000)
    Track.objects.bulk_update(tracks, ["assigned"], batch_size=500)
    AllocationRun.objects.bulk_create(runs)
    return summaries


@transaction.atomic
def event_allocate(*, actor: User, membership: Membership | None, event_id: int) -> list[RunSummary]:
    """Allocate every tracks block of an event filled by preferences; one summary per block."""
    acting(actor, membership)
    event = managed_event(event_id, membership, lock=True)
    if event.fill_mode != Event.FillMode.PREFERENCES:
        raise TutornetError(_("This event is filled first come, first served."), field="event")
    participants = list(
        Participant.objects.filter(event=event, status=Participant.Status.REGISTERED)
        .order_by("registered_at", "pk")
        .values_list("pk", flat=True)
    )
    blocks = list(
        Block.objects.filter(day__event=event, kind=Block.Kind.TRACKS)
        .select_related("day")
        .order_by("starts_at", "pk")
    )
    summaries = _allocate_blocks(blocks, participants, actor) if blocks else []
    if not summaries:
        raise TutornetError(_("The event has no block with tracks yet."), field="event")
    audit(
        actor=actor,
        action="event.allocate",
        target=event,
        satisfaction=sum(s.satisfaction for s in summaries),
        unassigned=sum(len(s.unassigned) for s in summaries),
    )
    return summaries
