"""The allocation solver on small cases whose best allocation is known by hand."""

from __future__ import annotations

import random

from tutorials.events.allocation import TrackSpec, allocate_by_preferences, allocate_first_come


def test_the_best_total_beats_everyone_taking_their_first_choice() -> None:
    # A and B both like X best, but B can live with Y and A cannot: best is A->X, B->Y (5+4=9),
    # where first-come would give B X first (5) and leave A with nothing.
    tracks = [TrackSpec(10, 1), TrackSpec(20, 1)]
    ratings = {2: {10: 5, 20: 4}, 1: {10: 5, 20: 0}}
    best = allocate_by_preferences([2, 1], tracks, ratings)
    assert best.assignment == {1: 10, 2: 20}
    assert best.satisfaction == 9 and best.unassigned == []
    first_come = allocate_first_come([2, 1], tracks, ratings)
    assert first_come.assignment == {2: 10}
    assert first_come.unassigned == [1] and first_come.satisfaction == 5


def test_a_zero_means_cannot_attend_and_only_zeros_leave_the_participant_unassigned() -> None:
    tracks = [TrackSpec(10, 5), TrackSpec(20, 5)]
    ratings = {1: {10: 0, 20: 0}, 2: {10: 0, 20: 1}}
    result = allocate_by_preferences([1, 2], tracks, ratings)
    assert result.assignment == {2: 20}
    assert result.unassigned == [1]


def test_over_subscription_leaves_the_later_registrant_unassigned_and_reports_them() -> None:
    # Three people, one track of two places, the only track anyone can attend.
    tracks = [TrackSpec(10, 2), TrackSpec(20, 3)]
    ratings = {p: {10: 3, 20: 0} for p in (7, 8, 9)}
    result = allocate_by_preferences([7, 8, 9], tracks, ratings)
    assert result.assignment == {7: 10, 8: 10}
    assert result.unassigned == [9]
    assert result.satisfaction == 6


def test_placing_more_people_comes_before_a_higher_total() -> None:
    # Giving A its 5 on X would leave B (who can only attend X) out; ratingallocate places B.
    tracks = [TrackSpec(10, 1), TrackSpec(20, 1)]
    ratings = {1: {10: 5, 20: 1}, 2: {10: 2, 20: 0}}
    result = allocate_by_preferences([1, 2], tracks, ratings)
    assert result.assignment == {1: 20, 2: 10}
    assert result.satisfaction == 3


def test_ties_go_to_the_earlier_registrant_whatever_the_ids() -> None:
    tracks = [TrackSpec(10, 1), TrackSpec(20, 1)]
    ratings = {5: {10: 4, 20: 0}, 3: {10: 4, 20: 0}}
    assert allocate_by_preferences([5, 3], tracks, ratings).assignment == {5: 10}
    assert allocate_by_preferences([3, 5], tracks, ratings).assignment == {3: 10}


def test_equal_totals_give_the_same_allocation_every_time() -> None:
    tracks = [TrackSpec(10, 1), TrackSpec(20, 1)]
    ratings = {1: {10: 3, 20: 3}, 2: {10: 3, 20: 3}}
    results = {
        tuple(sorted(allocate_by_preferences([1, 2], tracks, ratings).assignment.items())) for _ in range(5)
    }
    assert len(results) == 1
    (only,) = results
    assert {track for _, track in only} == {10, 20}


def test_a_track_under_its_minimum_size_is_flagged() -> None:
    tracks = [TrackSpec(10, 5, min_size=3), TrackSpec(20, 5, min_size=1)]
    ratings = {1: {10: 5, 20: 1}, 2: {10: 1, 20: 5}, 3: {10: 1, 20: 5}}
    result = allocate_by_preferences([1, 2, 3], tracks, ratings)
    assert result.assignment == {1: 10, 2: 20, 3: 20}
    assert result.under_minimum == [10]


def test_the_solver_never_does_worse_than_first_come_and_respects_places() -> None:
    rng = random.Random(4)
    tracks = [TrackSpec(t, rng.randint(1, 4)) for t in range(5)]
    people = list(range(15))
    ratings = {p: {t.id: rng.randint(0, 5) for t in tracks} for p in people}
    best = allocate_by_preferences(people, tracks, ratings)
    baseline = allocate_first_come(people, tracks, ratings)
    assert len(best.assignment) >= len(baseline.assignment)
    if len(best.assignment) == len(baseline.assignment):
        assert best.satisfaction >= baseline.satisfaction
    sizes = best.sizes(tracks)
    assert all(sizes[t.id] <= t.places for t in tracks)
    assert all(ratings[p][t] > 0 for p, t in best.assignment.items())


def test_one_network_simplex_finds_the_same_optimum_as_max_flow_then_min_cost() -> None:
    """The big-M formulation is checked against networkx's own max_flow_min_cost."""
    import networkx as nx

    rng = random.Random(11)
    for _ in range(20):
        tracks = [TrackSpec(t, rng.randint(0, 3)) for t in range(4)]
        people = list(range(rng.randint(1, 12)))
        ratings = {p: {t.id: rng.choice([0, 0, 1, 2, 3, 4, 5]) for t in tracks} for p in people}
        graph = nx.DiGraph()
        for t in tracks:
            graph.add_edge(("t", t.id), "sink", capacity=t.places, weight=0)
        for p in people:
            graph.add_edge("source", ("p", p), capacity=1, weight=0)
            for t in tracks:
                if ratings[p][t.id]:
                    graph.add_edge(("p", p), ("t", t.id), capacity=1, weight=-ratings[p][t.id])
        flow = nx.max_flow_min_cost(graph, "source", "sink")
        placed = sum(flow["source"].values())
        best = -nx.cost_of_flow(graph, flow)
        result = allocate_by_preferences(people, tracks, ratings)
        assert (len(result.assignment), result.satisfaction) == (placed, best)
