"""Allocation of a block's participants to its parallel tracks by their ratings.

The problem and the method are those of Moodle's ``mod_ratingallocate``
(its Edmonds–Karp / Ford–Fulkerson solver): a flow network

    source --(1, cost 0)--> participant --(1, cost -rating)--> track --(places, 0)--> sink

where a participant has an edge to a track only when they rated it above 0
("cannot attend" gives no edge at all), and the allocation is the maximum flow
of minimum cost.  What we kept from ratingallocate:

* 0 means "cannot attend": such a pair is never allocated;
* first the number of participants placed is maximised, then, among the
  allocations that place that many, the total satisfaction (the sum of the
  ratings of the allocated tracks) -- exactly what a max-flow min-cost solver
  returns;
* a participant who cannot be placed (only 0s, or every track they can attend
  full) is left unassigned and reported, never forced into a track.

What we changed: instead of ratingallocate's own PHP Bellman–Ford we call
networkx's ``network_simplex`` once.  "Place as many as possible first" is a
reward on the source -> participant edge larger than any possible change of
satisfaction, with a free source -> sink edge for whoever is not placed; this is
the same optimum as ``max_flow_min_cost`` and measured twice as fast (one solve
instead of a max flow and then a solve).  A track's minimum size is not
a constraint of the solver but a flag on the
result, so the organiser decides whether to cancel the track and run again.

Tie-break (deterministic): a participant -> track edge costs ``-rating * SCALE``
and placing the participant costs ``rank`` more, where ``rank`` is their position
in the input order (the order of registration).  ``SCALE`` is larger than the sum
of all ranks, so satisfaction
always wins; among allocations with equal placed count and equal satisfaction,
the solver picks the one with the smallest sum of the placed participants'
ranks, i.e. an over-subscribed place goes to the earlier registrant.  Any
remaining tie (the same people placed, the same total, different tracks) is
broken by the fixed input order of participants and tracks, so the same input
always gives the same allocation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

MAX_RATING = 5

SOURCE = ("source", 0)
SINK = ("sink", 0)


@dataclass(frozen=True)
class TrackSpec:
    id: int
    places: int
    min_size: int = 0


@dataclass
class BlockAllocation:
    """The result for one block: participant id -> track id, and what to report."""

    assignment: dict[int, int] = field(default_factory=dict)
    unassigned: list[int] = field(default_factory=list)
    under_minimum: list[int] = field(default_factory=list)
    satisfaction: int = 0

    def sizes(self, tracks: Sequence[TrackSpec]) -> dict[int, int]:
        sizes = {track.id: 0 for track in tracks}
        for track_id in self.assignment.values():
            sizes[track_id] += 1
        return sizes


def _finish(
    assignment: dict[int, int],
    participants: Sequence[int],
    tracks: Sequence[TrackSpec],
    ratings: Mapping[int, Mapping[int, int]],
) -> BlockAllocation:
    result = BlockAllocation(assignment=assignment)
    result.unassigned = [p for p in participants if p not in assignment]
    result.satisfaction = sum(ratings.get(p, {}).get(t, 0) for p, t in assignment.items())
    sizes = result.sizes(tracks)
    result.under_minimum = [t.id for t in tracks if t.min_size and sizes[t.id] < t.min_size]
    return result


def allocate_by_preferences(
    participants: Sequence[int],
    tracks: Sequence[TrackSpec],
    ratings: Mapping[int, Mapping[int, int]],
) -> BlockAllocation:
    """Maximise the number placed, then total satisfaction, under the tracks' places.

    ``participants`` in registration order (the tie-break); ``ratings[p][t]`` in
    0..MAX_RATING, a missing rating counts as 0 ("cannot attend").
    """
    count = len(participants)
    scale = count * (count + 1) // 2 + 1  # more than any sum of ranks
    reward = count * MAX_RATING * scale + scale  # more than any change of satisfaction
    graph = nx.DiGraph()
    graph.add_node(SOURCE, demand=-count)
    graph.add_node(SINK, demand=count)
    # Whoever is not placed flows source -> sink directly, at no gain.
    graph.add_edge(SOURCE, SINK, capacity=count, weight=0)
    for track in tracks:
        graph.add_edge(("t", track.id), SINK, capacity=max(track.places, 0), weight=0)
    for rank, participant in enumerate(participants):
        own = ratings.get(participant, {})
        edges = [(track, own.get(track.id, 0)) for track in tracks]
        edges = [(track, rating) for track, rating in edges if rating > 0]
        if not edges:
            continue
        graph.add_edge(SOURCE, ("p", participant), capacity=1, weight=-reward + rank)
        for track, rating in edges:
            graph.add_edge(("p", participant), ("t", track.id), capacity=1, weight=-rating * scale)
    _cost, flow = nx.network_simplex(graph)
    assignment: dict[int, int] = {}
    for participant in participants:
        for (kind, track_id), amount in flow.get(("p", participant), {}).items():
            if kind == "t" and amount:
                assignment[participant] = track_id
    return _finish(assignment, participants, tracks, ratings)


def allocate_first_come(
    participants: Sequence[int],
    tracks: Sequence[TrackSpec],
    ratings: Mapping[int, Mapping[int, int]],
) -> BlockAllocation:
    """First come, first served on the same ratings: in registration order each
    participant takes their best-rated track that still has a place (ties: the
    track's position), never one rated 0.  The baseline the benchmark compares with."""
    left = {track.id: track.places for track in tracks}
    assignment: dict[int, int] = {}
    for participant in participants:
        own = ratings.get(participant, {})
        best = None
        for track in tracks:
            rating = own.get(track.id, 0)
            if rating > 0 and left[track.id] > 0 and (best is None or rating > best[1]):
                best = (track.id, rating)
        if best is not None:
            assignment[participant] = best[0]
            left[best[0]] -= 1
    return _finish(assignment, participants, tracks, ratings)
